import { describe } from "../core/describe.ts";
import { Owner } from "../owner.ts";
import type { Persistence, StoreChange } from "../core/persistence.ts";
import { storagePersistence } from "./storage_persistence.ts";
import type { DurableObjectStateLike } from "./types.ts";
import { type Asker, serve } from "./serve.ts";

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
import type { Updater } from "../remote/updater.ts";

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
   * Where the state lives, when not in the object's own storage (tests,
   * another backend). Called once, when the object starts.
   *
   * @default {storagePersistence(state.storage, prefix)}
   */
  persistence?: (
    state: DurableObjectStateLike,
    env: Env,
  ) => Persistence<[K, V][], StoreChange<K, V>[]>;
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

interface Entry<K, V> {
  key: K;
  value: V;
}

interface Hosted<K, V> {
  map: Map<string, Entry<K, V>>;
  persistence: Persistence<[K, V][], StoreChange<K, V>[]>;
  updaters: Map<string, Updater<V>>;
  env: unknown;
}

/**
 * Makes a Durable Object class that hosts a `Store<K, V>` with its entries
 * in the object's transactional storage. Export the class from your Worker
 * and bind it as a Durable Object; talk to it with
 * {@linkcode storeClient}.
 *
 * What the object adds to a plain Durable Object:
 * - Every command goes through one owner's command stream, one at a time,
 *   in the order received. An updater that awaits `fetch()` opens the
 *   object's input gate, so the runtime delivers the next request, but its
 *   commands wait in the stream: no interleaving, no lost update.
 * - Each changing command (`set`, `delete`, `update`, `clear`) writes its
 *   effect to storage and waits for the write before the map changes and
 *   before its reply is sent. If the write fails, the command fails and
 *   the map is as it was.
 * - On wake, the entries are loaded inside `blockConcurrencyWhile`, before
 *   the first command.
 *
 * Keys and values cross the wire as JSON: keys are compared by their JSON
 * text, and values must survive `JSON.stringify`.
 *
 * It is a function returning a function so that `K` and `V` can be given
 * while the updaters' types are inferred: `durableStore<K, V, Env>()({ ... })`.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @typeParam Env The Worker's bindings, as updaters see them in `this.env`.
 * @returns A function from the options to the Durable Object class.
 *
 * @example A store of counters with a named updater
 * ```ts
 * import { durableStore } from "@warden/core/durable";
 *
 * // Export it from the Worker module (export const Counters = ...), then
 * // in wrangler.toml: [[durable_objects.bindings]] name = "COUNTERS", class_name = "Counters"
 * const Counters = durableStore<string, number>()({
 *   updaters: {
 *     add: (current, by: number) => (current ?? 0) + by,
 *   },
 * });
 * console.log(typeof Counters); // "function"
 * ```
 */
export function durableStore<K, V, Env = unknown>(): DurableStoreFactory<
  K,
  V,
  Env
> {
  return (options: DurableStoreOptions<K, V, unknown, Env> = {}) => {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create durableStore: options must be an object, received ${
          describe(options)
        }`,
      );
    }
    const updaters = new Map<string, Updater<V>>();
    for (const [name, fn] of Object.entries(options.updaters ?? {})) {
      if (typeof fn !== "function") {
        throw new TypeError(
          `Cannot create durableStore: updater "${name}" must be a function, received ${
            describe(fn)
          }`,
        );
      }
      updaters.set(name, fn as Updater<V>);
    }
    const prefix = options.prefix ?? "entry:";
    const persist = options.persistence ??
      ((state: DurableObjectStateLike) =>
        storagePersistence<K, V>(state.storage, prefix));
    return class DurableStore {
      readonly #owner: Promise<Asker>;
      constructor(state: DurableObjectStateLike, env: Env) {
        const persistence = persist(state, env);
        this.#owner = state.blockConcurrencyWhile(async () => {
          const map = new Map<string, Entry<K, V>>();
          for (const [key, value] of (await persistence.load()) ?? []) {
            map.set(JSON.stringify(key), { key, value });
          }
          const hosted: Hosted<K, V> = { map, persistence, updaters, env };
          return new Owner(
            hosted as unknown as Hosted<unknown, unknown>,
            handlers,
          ) as unknown as Asker;
        });
      }
      async fetch(request: Request): Promise<Response> {
        return serve(await this.#owner, request);
      }
    };
  };
}

// The hosted store's commands: the only code that touches the map. Each
// changing command saves its change first, then changes the map.
const handlers = {
  get(hosted: Hosted<unknown, unknown>, key: unknown): unknown {
    return hosted.map.get(keyOf(key))?.value;
  },
  has(hosted: Hosted<unknown, unknown>, key: unknown): boolean {
    return hosted.map.has(keyOf(key));
  },
  size(hosted: Hosted<unknown, unknown>): number {
    return hosted.map.size;
  },
  entries(hosted: Hosted<unknown, unknown>): [unknown, unknown][] {
    return Array.from(hosted.map.values(), (e) => [e.key, e.value]);
  },
  async set(
    hosted: Hosted<unknown, unknown>,
    key: unknown,
    value: unknown,
  ): Promise<void> {
    const id = keyOf(key);
    await hosted.persistence.save([{ op: "set", key, value }]);
    hosted.map.set(id, { key, value });
  },
  async delete(
    hosted: Hosted<unknown, unknown>,
    key: unknown,
  ): Promise<boolean> {
    const id = keyOf(key);
    if (!hosted.map.has(id)) return false;
    await hosted.persistence.save([{ op: "delete", key }]);
    return hosted.map.delete(id);
  },
  async clear(hosted: Hosted<unknown, unknown>): Promise<void> {
    await hosted.persistence.save([{ op: "clear" }]);
    hosted.map.clear();
  },
  async update(
    hosted: Hosted<unknown, unknown>,
    key: unknown,
    name: unknown,
    args: unknown,
  ): Promise<unknown> {
    const id = keyOf(key);
    const fn = hosted.updaters.get(name as string);
    if (fn === undefined) {
      throw new TypeError(
        `Cannot update: no updater named ${describe(name)} (known: ${
          [...hosted.updaters.keys()].join(", ") || "none"
        })`,
      );
    }
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot update: args must be an array, received ${describe(args)}`,
      );
    }
    const context: UpdaterContext<unknown, unknown> = { env: hosted.env, key };
    const value = await fn.call(context, hosted.map.get(id)?.value, ...args);
    await hosted.persistence.save([{ op: "set", key, value }]);
    hosted.map.set(id, { key, value });
    return value;
  },
};

function keyOf(key: unknown): string {
  if (key === undefined) {
    throw new TypeError(
      "Cannot use key: it must survive JSON, received undefined",
    );
  }
  return JSON.stringify(key);
}
