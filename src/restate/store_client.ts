import { Share } from "../core/share.ts";
import { nonEmptyName, stringName } from "../remote/names.ts";
import { type ShardCall, Shards } from "../remote/shards.ts";
import { functionUpdaterError, type UpdaterArgs } from "../remote/updater.ts";
import { call, type CallOptions, type IngressTarget } from "./ingress.ts";
import {
  mergeRestateOptions,
  type RestateCommandOptions,
  targetOf,
} from "./command_options.ts";
import type { RestateStoreDefinition } from "./store_object.ts";

/**
 * Options of {@linkcode storeClient} and of the `RestateStoreClient`
 * constructor.
 *
 * @example
 * ```ts
 * import type { RestateStoreClientOptions } from "@warden/core/restate";
 *
 * const options: RestateStoreClientOptions = { service: "counters", shards: 8 };
 * console.log(options.shards); // 8
 * ```
 */
export interface RestateStoreClientOptions {
  /** The virtual object's name, as given to `restateStore()(name)`. */
  service: string;
  /**
   * Which store: the object keys are this name (and the shard).
   *
   * @default {"default"}
   */
  name?: string;
  /**
   * How many Restate objects the keys are spread over, by a stable hash.
   * Commands to keys on different shards run in parallel; with one shard,
   * every command runs one at a time, and `size`/`entries` are one
   * consistent view. With more than one, the object keys are
   * `${name}#${i}/${shards}`: changing the count starts empty objects.
   *
   * @default {1}
   */
  shards?: number;
  /**
   * Headers sent with every call (an `Authorization` the ingress's proxy
   * checks, say).
   *
   * @default {{}}
   */
  headers?: Record<string, string>;
  /**
   * The time limit of every command, in milliseconds, unless `with()`
   * overrides it. The Restate ingress holds calls while a service is down:
   * without a limit a call would wait for ever.
   *
   * @default {30000}
   */
  timeout?: number;
  /**
   * The `fetch` to call the ingress with.
   *
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
}

interface Shared {
  target: IngressTarget;
  service: string;
  /** The object keys, one per shard. */
  objects: Shards<string>;
}

/**
 * The caller's side of a store hosted by {@linkcode restateStore}: the API
 * of a local `Store`, each method one Restate invocation through the
 * ingress. What changes from a local `Store`:
 * - the constructor: the ingress URL and the object's name;
 * - `update(key, name, ...args)` runs the updater the object declared
 *   under `name`; a function cannot cross the wire (a `TypeError`);
 * - no `watch()` or `writable`; keys and values cross as JSON;
 * - every command has a time limit (30 s by default) and an idempotency
 *   key (`with({ idempotencyKey })` to choose it).
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @typeParam U The object's named updaters.
 *
 * @example
 * ```ts ignore
 * import { storeClient } from "@warden/core/restate";
 * import type { Counters } from "./service.ts";
 *
 * const counters = storeClient<typeof Counters>("http://127.0.0.1:8080", { service: "counters" });
 * await counters.update("hits", "add", 1);
 * console.log(await counters.get("hits"));
 * ```
 */
export class RestateStoreClient<K, V, U = Record<never, never>> {
  readonly #shared: Shared;
  readonly #defaults: RestateCommandOptions;
  /** Calls a handler that takes no input, on one shard's object. */
  readonly #each: ShardCall<string> = (object, handler) =>
    this.#call(object, handler, {});

  /**
   * Constructs a client. No request is made until the first command.
   *
   * @param ingress The Restate ingress URL (`http://host:8080`).
   * @param options The object's name, the store's name and shards.
   */
  constructor(ingress: string, options: RestateStoreClientOptions) {
    // From `with()`: a second handle with other defaults (see Share).
    const adopt = Share.partsOf<RestateStoreClientParts>(ingress);
    if (adopt !== undefined) {
      this.#shared = adopt.shared;
      this.#defaults = adopt.defaults;
      return;
    }
    const target = targetOf(ingress, options ?? {}, "RestateStoreClient");
    const action = "create RestateStoreClient";
    const service = nonEmptyName(options?.service, "service", action);
    const name = stringName(options.name ?? "default", "name", action);
    const objects = new Shards(name, options.shards, action, (key) => key);
    this.#defaults = mergeRestateOptions({}, {
      timeout: options.timeout ?? 30_000,
    }, "RestateStoreClient");
    this.#shared = { target, service, objects };
  }

  /**
   * How many objects the keys are spread over.
   *
   * @example
   * ```ts
   * import { RestateStoreClient } from "@warden/core/restate";
   *
   * const client = new RestateStoreClient("http://127.0.0.1:8080", { service: "c", shards: 4 });
   * console.log(client.shards); // 4
   * ```
   */
  get shards(): number {
    return this.#shared.objects.count;
  }

  /**
   * The value stored under `key`, or `undefined` (a shared handler: the
   * last committed state).
   *
   * @example
   * ```ts ignore
   * const value = await counters.get("hits");
   * ```
   */
  get(key: K): Promise<V | undefined> {
    return this.#send(key, "get", { key }) as Promise<V | undefined>;
  }

  /**
   * Stores `value` under `key`; resolves once it is in Restate's state.
   *
   * @example
   * ```ts ignore
   * await counters.set("hits", 0);
   * ```
   */
  async set(key: K, value: V): Promise<void> {
    await this.#send(key, "set", { key, value });
  }

  /**
   * Whether `key` is stored.
   *
   * @example
   * ```ts ignore
   * if (await counters.has("hits")) console.log("counted");
   * ```
   */
  has(key: K): Promise<boolean> {
    return this.#send(key, "has", { key }) as Promise<boolean>;
  }

  /**
   * Removes `key`; resolves whether it was there, once it is gone.
   *
   * @example
   * ```ts ignore
   * await counters.delete("hits");
   * ```
   */
  delete(key: K): Promise<boolean> {
    return this.#send(key, "delete", { key }) as Promise<boolean>;
  }

  /**
   * Atomic read-modify-write by a named updater declared in
   * `restateStore()(name, { updaters })`, in an exclusive handler; resolves
   * the new value once it is in Restate's state.
   *
   * @param key The key to update.
   * @param name The updater's name.
   * @param args The updater's arguments after the current value (JSON).
   * @returns The new value.
   *
   * @example
   * ```ts ignore
   * const hits = await counters.update("hits", "add", 1);
   * ```
   */
  update<N extends keyof U & string>(
    key: K,
    name: N,
    ...args: UpdaterArgs<U[N]>
  ): Promise<V> {
    if (typeof name !== "string") {
      return Promise.reject(functionUpdaterError(name, "a Restate object"));
    }
    return this.#send(key, "update", { key, name, args }) as Promise<V>;
  }

  /**
   * How many entries are stored: with shards, the sum of each shard's
   * count, each taken at a different moment.
   *
   * @example
   * ```ts ignore
   * console.log(await counters.size());
   * ```
   */
  size(): Promise<number> {
    return this.#shared.objects.size(this.#each);
  }

  /**
   * Removes every entry, shard by shard.
   *
   * @example
   * ```ts ignore
   * await counters.clear();
   * ```
   */
  clear(): Promise<void> {
    return this.#shared.objects.clear(this.#each);
  }

  /**
   * Every entry, as a stream, shard by shard: each shard's part is one
   * consistent read, the whole is not a snapshot.
   *
   * @example
   * ```ts ignore
   * for await (const [key, value] of counters.entries()) console.log(key, value);
   * ```
   */
  entries(): ReadableStream<[K, V]> {
    return this.#shared.objects.entries<K, V>(this.#each);
  }

  /**
   * The same client, with options for every command sent through the
   * returned object: an abort signal, a time limit, an idempotency key.
   * A command aborted or timed out may still run in Restate: retry it
   * with the same idempotency key to be sure it runs once.
   *
   * @example
   * ```ts ignore
   * await counters.with({ timeout: 500, idempotencyKey: "order-17" }).update("hits", "add", 1);
   * ```
   */
  with(options: RestateCommandOptions): RestateStoreClient<K, V, U> {
    return sharedRestateStoreClient<K, V, U>({
      shared: this.#shared,
      defaults: mergeRestateOptions(
        this.#defaults,
        options,
        "RestateStoreClient.with()",
      ),
    });
  }

  /**
   * Which shard owns `key`.
   *
   * @example
   * ```ts
   * import { RestateStoreClient } from "@warden/core/restate";
   *
   * const client = new RestateStoreClient<string, number>("http://127.0.0.1:8080", { service: "c", shards: 4 });
   * console.log(client.shardOf("hits")); // 0 to 3, the same every time
   * ```
   */
  shardOf(key: K): number {
    return this.#shared.objects.shardOf(key);
  }

  #call(object: string, handler: string, input: unknown): Promise<unknown> {
    return call(
      this.#shared.target,
      this.#shared.service,
      object,
      handler,
      input,
      this.#defaults as CallOptions,
    );
  }

  #send(key: K, handler: string, input: unknown): Promise<unknown> {
    return this.#shared.objects.send(
      key,
      handler,
      (object) => this.#call(object, handler, input),
    );
  }
}

/** What a `with()` copy shares with the client it was made from. */
type RestateStoreClientParts = {
  shared: Shared;
  defaults: RestateCommandOptions;
};

/**
 * The copy `with()` returns, made outside the class on purpose: a class body
 * that names its own class is renamed by esbuild (`var RestateStoreClient =
 * class _RestateStoreClient`), and messages would then say
 * "_RestateStoreClient".
 */
function sharedRestateStoreClient<K, V, U>(
  parts: RestateStoreClientParts,
): RestateStoreClient<K, V, U> {
  return new RestateStoreClient<K, V, U>(
    new Share(parts) as never,
    undefined as never,
  );
}

/**
 * A {@linkcode RestateStoreClient} typed from the object definition:
 * `storeClient<typeof Counters>(ingress, { service: "counters" })` (import
 * the definition's type only: the client needs no SDK).
 *
 * @typeParam D The definition {@linkcode restateStore} made.
 * @param ingress The Restate ingress URL.
 * @param options The object's name, the store's name and shards.
 * @returns The client.
 *
 * @example
 * ```ts
 * import { storeClient, type RestateStoreDefinition } from "@warden/core/restate";
 *
 * type Counters = RestateStoreDefinition<string, number, { add: (c: number | undefined, by: number) => number }>;
 * const counters = storeClient<Counters>("http://127.0.0.1:8080", { service: "counters", shards: 4 });
 * // counters.update("hits", "add", 1) is typed: "add" takes a number.
 * console.log(counters.shards); // 4
 * ```
 */
export function storeClient<
  // deno-lint-ignore no-explicit-any
  D extends RestateStoreDefinition<any, any, any>,
>(
  ingress: string,
  options: RestateStoreClientOptions,
): RestateStoreClient<KeyOf<D>, ValueOf<D>, UpdatersOf<D>> {
  return new RestateStoreClient(ingress, options);
}

/** The key type of a {@linkcode restateStore} definition. */
export type KeyOf<D> =
  NonNullable<D extends { "~types"?: infer T } ? T : never> extends
    { key: infer K } ? K : never;
/** The value type of a {@linkcode restateStore} definition. */
export type ValueOf<D> =
  NonNullable<D extends { "~types"?: infer T } ? T : never> extends
    { value: infer V } ? V : never;
/** The updaters of a {@linkcode restateStore} definition. */
export type UpdatersOf<D> =
  NonNullable<D extends { "~types"?: infer T } ? T : never> extends
    { updaters: infer U } ? U : never;
