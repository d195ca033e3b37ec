// The public types of a store hosted in a Durable Object: its options, the
// class `durableStore()` returns and the object's shape as workerd sees it.
// The host itself is store_object.ts.
import type { Inspector } from "../core/inspect.ts";
import type { Persistence, StoreChange } from "../core/persistence.ts";
import type { Updater } from "../remote/updater.ts";
import type { DurableObjectStateLike } from "./types.ts";

/**
 * What an updater's `this` is: the hosting object's `env` (its bindings)
 * and the key being updated.
 *
 * @typeParam K The key type.
 * @typeParam Env The Worker's bindings.
 *
 * @example
 * ```ts
 * import type { UpdaterContext } from "@warden/core/durable";
 *
 * const context: UpdaterContext<string, { API_URL: string }> = {
 *   env: { API_URL: "https://example.com" },
 *   key: "a",
 * };
 * console.log(context.key); // "a"
 * ```
 */
export interface UpdaterContext<K, Env> {
  /** The hosting object's bindings. */
  readonly env: Env;
  /** The key being updated. */
  readonly key: K;
}

export type { Updater } from "../remote/updater.ts";

/**
 * Options of {@linkcode durableStore}.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @typeParam U The named updaters.
 * @typeParam Env The Worker's bindings.
 *
 * @example
 * ```ts
 * import type { DurableStoreOptions } from "@warden/core/durable";
 *
 * const options: DurableStoreOptions<string, number, {}, unknown> = {
 *   prefix: "counter:",
 * };
 * console.log(options.prefix); // "counter:"
 * ```
 */
export interface DurableStoreOptions<K, V, U, Env> {
  /**
   * The named updaters callers may run with
   * `client.update(key, name, ...args)`. `this` is an
   * {@linkcode UpdaterContext}.
   *
   * @default {{}}
   */
  updaters?: U;
  /**
   * Prefix of the storage keys that hold the entries.
   *
   * @default {"entry:"}
   */
  prefix?: string;
  /**
   * Whether clients may `watch(key)`: each change then also writes the
   * key's version (one more storage row per change, in the same commit)
   * so a client that reconnects knows whether it missed changes. Watches
   * use hibernatable WebSockets (`state.acceptWebSocket`).
   *
   * @default {false}
   */
  watchable?: boolean;
  /**
   * Where the state lives, when not in the object's own storage (tests,
   * another backend). Called once, when the object starts.
   *
   * @default {storagePersistence(state.storage, prefix)}
   */
  persistence?: (
    state: DurableObjectStateLike,
    env: Env,
  ) => Persistence<[K, V][], StoreChange<K, V>[]>;
  /**
   * Inspection events of the owner that runs this object's commands (its
   * ops are the client's: `get`, `set`, `update`…), as
   * `OwnerOptions.inspect`. Called inside the object, in workerd.
   *
   * @default {undefined}
   */
  inspect?: Inspector;
  /**
   * Whether those events carry arguments and results, as
   * `OwnerOptions.inspectValues`.
   *
   * @default {false}
   */
  inspectValues?: boolean;
}

/**
 * An instance of a class {@linkcode durableStore} made: a Durable Object
 * that answers the commands a `StoreClient` sends.
 *
 * @example
 * ```ts
 * import type { DurableObjectLike } from "@warden/core/durable";
 *
 * const object: DurableObjectLike = {
 *   fetch: () => Promise.resolve(new Response(null, { status: 405 })),
 * };
 * console.log((await object.fetch(new Request("https://do/"))).status); // 405
 * ```
 */
export interface DurableObjectLike {
  /** Runs the commands in the request's body; replies with their results. */
  fetch(request: Request): Promise<Response>;
  /** The runtime calls it when the object's alarm is due. */
  alarm?(): Promise<void>;
  /** The runtime calls it for a frame on a hibernatable WebSocket. */
  webSocketMessage?(socket: WebSocket, message: string | ArrayBuffer): void;
  /** The runtime calls it when a hibernatable WebSocket's client closed. */
  webSocketClose?(socket: WebSocket, code: number, reason: string): void;
}

/**
 * The class {@linkcode durableStore} returns. Its static `"~types"` field
 * exists only in the type system: it carries the key, value and updater
 * types to `storeClient<typeof MyStore>()`.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @typeParam U The named updaters.
 * @typeParam Env The Worker's bindings.
 *
 * @example
 * ```ts
 * import { durableStore, type DurableStoreClass } from "@warden/core/durable";
 *
 * const Counters: DurableStoreClass<string, number, {}, unknown> =
 *   durableStore<string, number>()();
 * console.log(typeof Counters); // "function"
 * ```
 */
export interface DurableStoreClass<K, V, U, Env> {
  /** Called by the runtime when the object starts. */
  new (state: DurableObjectStateLike, env: Env): DurableObjectLike;
  /** Type-level only: never set at run time. */
  readonly "~types"?: { key: K; value: V; updaters: U };
}

/**
 * What `durableStore<K, V, Env>()` returns: from the options to the
 * Durable Object class, with the updaters' types inferred.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @typeParam Env The Worker's bindings.
 *
 * @example
 * ```ts
 * import { durableStore, type DurableStoreFactory } from "@warden/core/durable";
 *
 * const make: DurableStoreFactory<string, number, unknown> = durableStore<string, number>();
 * const Plain = make();
 * const Counters = make({ updaters: { add: (n, by: number) => (n ?? 0) + by } });
 * console.log(typeof Plain, typeof Counters);
 * ```
 */
export interface DurableStoreFactory<K, V, Env> {
  /** A class whose objects run the given updaters. */
  <U extends Record<string, Updater<V>>>(
    options:
      & DurableStoreOptions<K, V, U, Env>
      & { updaters: U }
      & ThisType<
        UpdaterContext<K, Env>
      >,
  ): DurableStoreClass<K, V, U, Env>;
  /** A class with no updaters. */
  (
    options?: DurableStoreOptions<K, V, Record<never, never>, Env>,
  ): DurableStoreClass<K, V, Record<never, never>, Env>;
}
