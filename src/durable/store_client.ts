import { Share } from "../core/share.ts";
import type { CommandOptions } from "../core/command.ts";
import { mergeCommandOptions } from "../core/with.ts";
import { Pipe } from "./pipe.ts";
import { stringName } from "../remote/names.ts";
import { type ShardCall, Shards } from "../remote/shards.ts";
import { type WatchOptions, watchStub } from "./watch.ts";
import type { DurableStoreClass } from "./store_types.ts";
import type { DurableNamespace } from "./types.ts";

/**
 * Options of {@linkcode storeClient}.
 *
 * @example
 * ```ts
 * import type { StoreClientOptions } from "@warden/core/durable";
 *
 * const options: StoreClientOptions = { name: "counters", shards: 8 };
 * console.log(options.shards); // 8
 * ```
 */
export interface StoreClientOptions {
  /** The store's name: which object (or family of shard objects) it is. */
  name: string;
  /**
   * How many objects the keys are spread over, by {@linkcode shardOf}.
   * With more than one, the objects are named `${name}#${i}/${shards}`:
   * the count is part of the name, so changing it starts empty objects
   * instead of misrouting keys (there is no resharding).
   *
   * @default {1}
   */
  shards?: number;
}

export type { UpdaterArgs } from "../remote/updater.ts";
import { functionUpdaterError, type UpdaterArgs } from "../remote/updater.ts";

/**
 * The caller's side of a store hosted by {@linkcode durableStore}: the API
 * of a local `Store`, each method a command sent to the object that owns
 * the key. Build one per request (`storeClient(env.COUNTERS, ...)`): a
 * Workers stub belongs to the request that made it.
 *
 * The differences from a local `Store`:
 * - `update(key, name, ...args)` runs the updater the object declared
 *   under `name`; a function cannot cross the wire, and passing one
 *   throws a `TypeError`.
 * - No `writable`: the object is not in this process. `watch(key)` works
 *   over a WebSocket to the object if it is watchable
 *   (`durableStore({ watchable: true })`); see its notes.
 * - `with({ signal, timeout })`: a command aborted or timed out while it
 *   still waits in this client is never sent; once sent, only its reply
 *   is rejected (the object may still run it).
 * - With shards, `size()`, `clear()` and `entries()` visit the shards one
 *   after another: each shard's part is consistent, the whole is not a
 *   snapshot (commands may land on other shards in between).
 * - Keys and values cross the wire as JSON.
 *
 * Commands from one client reach each object in the order sent: they
 * travel in batches, one batch in flight per object.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @typeParam U The object's named updaters.
 *
 * @example With a stand-in namespace (in a Worker: `env.COUNTERS`)
 * ```ts
 * import { durableStore, storeClient, type DurableNamespace, type DurableStorage } from "@warden/core/durable";
 * import assert from "node:assert/strict";
 *
 * const Counters = durableStore<string, number>()({
 *   updaters: { add: (current, by: number) => (current ?? 0) + by },
 * });
 *
 * // What workerd provides: one object per id, with storage.
 * const data = new Map<string, unknown>();
 * const storage: DurableStorage = {
 *   get: (key) => Promise.resolve(data.get(key)),
 *   put: (key, value) => Promise.resolve(void data.set(key, value)),
 *   delete: (key) => Promise.resolve(data.delete(key)),
 *   deleteAll: () => Promise.resolve(data.clear()),
 *   list: () => Promise.resolve(new Map(data)),
 * };
 * const object = new Counters({ storage, blockConcurrencyWhile: (fn) => fn() }, {});
 * const namespace: DurableNamespace = { idFromName: (n) => n, get: () => object };
 *
 * const counters = storeClient<typeof Counters>(namespace, { name: "counters" });
 * await Promise.all([counters.update("hits", "add", 1), counters.update("hits", "add", 2)]);
 * assert.equal(await counters.get("hits"), 3);
 * assert.equal(data.get('entry:"hits"'), 3); // in storage before the reply
 * ```
 */
export class StoreClient<K, V, U = Record<never, never>> {
  readonly #shards: Shards<Pipe>;
  readonly #defaults: CommandOptions | undefined;
  /** Sends a command that takes no arguments, to one shard. */
  readonly #each: ShardCall<Pipe> = (pipe, op) =>
    pipe.send(op, [], this.#defaults);

  /**
   * Constructs a client. No request is made until the first command.
   *
   * @param namespace The Durable Object binding (`env.MY_STORE`).
   * @param options The store's name and shard count.
   */
  constructor(namespace: DurableNamespace, options: StoreClientOptions) {
    // From `with()`: a second handle with other defaults (see Share).
    const adopt = Share.partsOf<StoreClientParts>(namespace);
    if (adopt !== undefined) {
      this.#shards = adopt.shards;
      this.#defaults = adopt.defaults;
      return;
    }
    this.#defaults = undefined;
    const name = stringName(options?.name, "name", "create StoreClient");
    this.#shards = new Shards(
      name,
      options.shards,
      "create StoreClient",
      (objectName) => {
        let stub: ReturnType<DurableNamespace["get"]> | undefined;
        return new Pipe(() =>
          stub ??= namespace.get(namespace.idFromName(objectName) as never)
        );
      },
    );
  }

  /**
   * How many objects the keys are spread over.
   *
   * @example
   * ```ts
   * import { StoreClient, type DurableNamespace } from "@warden/core/durable";
   *
   * const namespace = {} as DurableNamespace; // env.COUNTERS in a Worker
   * console.log(new StoreClient(namespace, { name: "c", shards: 4 }).shards); // 4
   * ```
   */
  get shards(): number {
    return this.#shards.count;
  }

  /**
   * The value stored under `key`, or `undefined`.
   *
   * @example
   * ```ts ignore
   * const value = await counters.get("hits");
   * ```
   */
  get(key: K): Promise<V | undefined> {
    return this.#send(key, "get", [key]) as Promise<V | undefined>;
  }

  /**
   * Stores `value` under `key`; resolves once it is in storage.
   *
   * @example
   * ```ts ignore
   * await counters.set("hits", 0);
   * ```
   */
  async set(key: K, value: V): Promise<void> {
    await this.#send(key, "set", [key, value]);
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
    return this.#send(key, "has", [key]) as Promise<boolean>;
  }

  /**
   * Removes `key`; resolves whether it was there, once it is gone from
   * storage.
   *
   * @example
   * ```ts ignore
   * await counters.delete("hits");
   * ```
   */
  delete(key: K): Promise<boolean> {
    return this.#send(key, "delete", [key]) as Promise<boolean>;
  }

  /**
   * Atomic read-modify-write by a named updater declared in
   * `durableStore({ updaters })`: runs in the object, in the store's turn,
   * and resolves the new value once it is in storage.
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
      return Promise.reject(
        functionUpdaterError(
          name,
          "a Durable Object",
          "an updater in durableStore()({ updaters })",
        ),
      );
    }
    return this.#send(key, "update", [key, name, args]) as Promise<V>;
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
    return this.#shards.size(this.#each);
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
    return this.#shards.clear(this.#each);
  }

  /**
   * Every entry, as a stream. With one object, a consistent snapshot taken
   * in the object's turn. With shards, each shard's snapshot in turn, read
   * when the stream reaches it: not a global snapshot (a key moved between
   * shards' reads is seen as it was when its shard was read).
   *
   * @example
   * ```ts ignore
   * for await (const [key, value] of counters.entries()) console.log(key, value);
   * ```
   */
  entries(): ReadableStream<[K, V]> {
    return this.#shards.entries<K, V>(this.#each);
  }

  /**
   * The same client, with options for every command sent through the
   * returned object: an abort signal and a time limit. A command aborted
   * or timed out while it still waits in this client is never sent; once
   * its batch is on the wire, only its reply is rejected.
   *
   * @example
   * ```ts ignore
   * await counters.with({ timeout: 500 }).get("hits");
   * ```
   */
  with(options: CommandOptions): StoreClient<K, V, U> {
    return sharedStoreClient<K, V, U>({
      shards: this.#shards,
      defaults: mergeCommandOptions(
        this.#defaults,
        options,
        "StoreClient.with()",
      ),
    });
  }

  /**
   * Which shard owns `key`.
   *
   * @example
   * ```ts
   * import { StoreClient, type DurableNamespace } from "@warden/core/durable";
   *
   * const namespace = {} as DurableNamespace; // env.COUNTERS in a Worker
   * const client = new StoreClient<string, number>(namespace, { name: "c", shards: 4 });
   * console.log(client.shardOf("hits")); // 0 to 3, the same every time
   * ```
   */
  shardOf(key: K): number {
    return this.#shards.shardOf(key);
  }

  /**
   * The value of `key` now, then each change to it (`undefined` when it is
   * deleted), as `Store.watch(key)` gives locally, carried over a
   * hibernatable WebSocket to the object that owns the key (which must be
   * `watchable`). A reader that falls more than `buffer` values behind
   * gets an `OverflowError`; cancelling the stream closes the socket; the
   * object closing the socket (code 1000) ends it. When the socket drops,
   * the client reconnects and resumes from the last version it saw: it
   * continues if nothing, or exactly one change, was missed; otherwise the
   * stream errors with `WatchGapError` (carrying the value now), never a
   * silent gap.
   *
   * @param key The key to watch.
   * @param options Buffer, retries, signal.
   * @returns The stream of values.
   *
   * @example
   * ```ts ignore
   * for await (const hits of counters.watch("hits")) console.log(hits);
   * ```
   */
  watch(key: K, options: WatchOptions = {}): ReadableStream<V | undefined> {
    const pipe = this.#shards.endpointOf(key, "watch");
    return watchStub<V | undefined>(
      () => pipe.stub(),
      JSON.stringify(key),
      options,
    );
  }

  #send(key: K, op: string, args: unknown[]): Promise<unknown> {
    return this.#shards.send(
      key,
      op,
      (pipe) => pipe.send(op, args, this.#defaults),
    );
  }
}

/** What a `with()` copy shares with the client it was made from. */
type StoreClientParts = { shards: Shards<Pipe>; defaults: CommandOptions };

/**
 * The copy `with()` returns, made outside the class on purpose: a class body
 * that names its own class is renamed by esbuild (`var StoreClient = class
 * _StoreClient`), and messages would then say "_StoreClient".
 */
function sharedStoreClient<K, V, U>(
  parts: StoreClientParts,
): StoreClient<K, V, U> {
  return new StoreClient<K, V, U>(
    new Share(parts) as never,
    undefined as never,
  );
}

/**
 * A {@linkcode StoreClient} typed from the Durable Object class:
 * `storeClient<typeof Counters>(env.COUNTERS, { name })`.
 *
 * @typeParam C The class {@linkcode durableStore} made.
 * @param namespace The Durable Object binding.
 * @param options The store's name and shard count.
 * @returns The client.
 *
 * @example
 * ```ts
 * import { durableStore, storeClient, type DurableNamespace } from "@warden/core/durable";
 *
 * const Counters = durableStore<string, number>()({
 *   updaters: { add: (current, by: number) => (current ?? 0) + by },
 * });
 * const namespace = {} as DurableNamespace; // env.COUNTERS in a Worker
 * const counters = storeClient<typeof Counters>(namespace, { name: "c", shards: 4 });
 * // counters.update("hits", "add", 1) is typed: "add" takes a number.
 * console.log(counters.shards); // 4
 * ```
 */
export function storeClient<
  // deno-lint-ignore no-explicit-any
  C extends DurableStoreClass<any, any, any, any>,
>(
  namespace: DurableNamespace,
  options: StoreClientOptions,
): StoreClient<KeyOf<C>, ValueOf<C>, UpdatersOf<C>> {
  return new StoreClient(namespace, options);
}

/** The key type of a {@linkcode durableStore} class. */
export type KeyOf<C> = C extends
  DurableStoreClass<infer K, infer _V, infer _U, infer _E> ? K
  : never;
/** The value type of a {@linkcode durableStore} class. */
export type ValueOf<C> = C extends
  DurableStoreClass<infer _K, infer V, infer _U, infer _E> ? V
  : never;
/** The updaters of a {@linkcode durableStore} class. */
export type UpdatersOf<C> = C extends
  DurableStoreClass<infer _K, infer _V, infer U, infer _E> ? U
  : never;
