import { type CommandOptions, OWNED_PAIRS } from "./core/command.ts";
import { Engine } from "./core/engine.ts";
import { LiveSource } from "./core/live_stream.ts";
import type { OwnerOptions } from "./core/options.ts";
import { positiveInteger } from "./core/validate.ts";
import { Lifecycle } from "./core/lifecycle.ts";
import { Share } from "./core/share.ts";
import { mergeCommandOptions } from "./core/with.ts";
import { run, setEntry, toMap, type Watcher } from "./store_commands.ts";

/**
 * Options for {@linkcode Store}: those of every owner, plus the watchers'
 * buffer.
 *
 * @example
 * ```ts
 * import { Store, type StoreOptions } from "@warden/core";
 *
 * const options: StoreOptions = { highWaterMark: 256, watchBuffer: 16 };
 * const store = new Store<string, number>([], options);
 * await store.close();
 * ```
 */
export interface StoreOptions extends OwnerOptions {
  /**
   * How many unread values a watcher may fall behind before its stream
   * errors with an `OverflowError`.
   *
   * @default {1024}
   */
  watchBuffer?: number;
}

/** What a handle on a store holds; `with()` copies share all but `defaults`. */
interface StoreParts<K, V> {
  readonly engine: Engine;
  readonly defaults: CommandOptions | undefined;
  readonly watchBuffer: number;
  readonly map: Map<K, V>;
  readonly watchers: Map<K, Set<Watcher<V>>>;
}

/**
 * The seed's owned map: a `Map<K, V>` that only its owner touches. Every
 * method is a command to the owner, run one at a time in the order sent
 * (at once on an idle store, through its stream when busy); `update()` is
 * an atomic read-modify-write even when its function is async.
 *
 * @typeParam K The key type.
 * @typeParam V The value type. Values are stored by reference, not cloned.
 *
 * @example The seed program
 * ```ts
 * import { Store } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const store = new Store<number, number>();
 * await store.set(1, 42);
 * assert.equal(await store.get(1), 42);
 * await store.close();
 * ```
 */
export class Store<K, V> extends Lifecycle {
  readonly #engine: Engine;
  readonly #defaults: CommandOptions | undefined;
  readonly #watchBuffer: number;
  /** The owned state: touched only in the owner's turn (see `#now`). */
  readonly #map: Map<K, V>;
  readonly #watchers: Map<K, Set<Watcher<V>>>;

  /**
   * Constructs a new store. No stream is created until the first command,
   * so a store may be built at a module's top level, even in workerd.
   *
   * @param entries Initial entries, as for `new Map(entries)`.
   * @param options Queue bound, overflow policy, signal, clock, watch buffer.
   */
  constructor(
    entries?: Iterable<readonly [K, V]> | null,
    options: StoreOptions = {},
  ) {
    // From `with()`: a second handle on an existing store (see Share).
    const parts = Share.partsOf<StoreParts<K, V>>(entries) ??
      storeParts<K, V>(entries, options);
    super(parts.engine);
    this.#engine = parts.engine;
    this.#defaults = parts.defaults;
    this.#watchBuffer = parts.watchBuffer;
    this.#map = parts.map;
    this.#watchers = parts.watchers;
  }

  /**
   * The value stored under `key`, or `undefined`.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const store = new Store([["a", 1]]);
   * assert.equal(await store.get("a"), 1);
   * assert.equal(await store.get("b"), undefined);
   * ```
   */
  get(key: K): Promise<V | undefined> {
    if (this.#now()) return Promise.resolve(this.#map.get(key));
    return this.#engine.call("get", [key], this.#defaults) as Promise<
      V | undefined
    >;
  }

  /**
   * Stores `value` under `key`; watchers of `key` see it.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   *
   * const store = new Store<string, number>();
   * await store.set("a", 1);
   * ```
   */
  set(key: K, value: V): Promise<void> {
    if (this.#now()) {
      setEntry(this.#map, this.#watchers, key, value);
      return Promise.resolve();
    }
    return this.#engine.call("set", [key, value], this.#defaults) as Promise<
      void
    >;
  }

  /**
   * Whether `key` is stored.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const store = new Store([["a", 1]]);
   * assert.equal(await store.has("a"), true);
   * ```
   */
  has(key: K): Promise<boolean> {
    if (this.#now()) return Promise.resolve(this.#map.has(key));
    return this.#engine.call("has", [key], this.#defaults) as Promise<boolean>;
  }

  /**
   * Removes `key`; resolves whether it was there. Watchers see `undefined`.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const store = new Store([["a", 1]]);
   * assert.equal(await store.delete("a"), true);
   * assert.equal(await store.delete("a"), false);
   * ```
   */
  delete(key: K): Promise<boolean> {
    return this.#engine.call("delete", [key], this.#defaults) as Promise<
      boolean
    >;
  }

  /**
   * Atomic read-modify-write: `fn` gets the current value (or `undefined`)
   * and returns the new one, which is stored and resolved. No other command
   * runs in between, even when `fn` is async. If `fn` throws or rejects,
   * the value is left as it was.
   *
   * @param key The key to update.
   * @param fn From the current value to the new one; may be async.
   * @returns The new value.
   *
   * @example Fifty concurrent increments lose none
   * ```ts
   * import { Store } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const store = new Store<string, number>();
   * await Promise.all(Array.from({ length: 50 }, () =>
   *   store.update("hits", async (n = 0) => {
   *     await Promise.resolve(); // any await: still atomic
   *     return n + 1;
   *   })
   * ));
   * assert.equal(await store.get("hits"), 50);
   * ```
   */
  update(key: K, fn: (current: V | undefined) => V | Promise<V>): Promise<V> {
    return this.#engine.call("update", [key, fn], this.#defaults) as Promise<
      V
    >;
  }

  /**
   * How many entries are stored.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * assert.equal(await new Store([["a", 1], ["b", 2]]).size(), 2);
   * ```
   */
  size(): Promise<number> {
    return this.#engine.call("size", [], this.#defaults) as Promise<number>;
  }

  /**
   * Removes every entry. Watchers of removed keys see `undefined`.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const store = new Store([["a", 1]]);
   * await store.clear();
   * assert.equal(await store.size(), 0);
   * ```
   */
  clear(): Promise<void> {
    return this.#engine.call("clear", [], this.#defaults) as Promise<void>;
  }

  /**
   * Every entry, as a stream: a consistent snapshot taken in the command's
   * turn. Commands after it do not show in it; a slow reader never holds up
   * the owner.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const store = new Store([["a", 1], ["b", 2]]);
   * const all = [];
   * for await (const entry of store.entries()) all.push(entry);
   * assert.deepEqual(all, [["a", 1], ["b", 2]]);
   * ```
   */
  entries(): ReadableStream<[K, V]> {
    return this.#engine.callStream<[K, V]>(
      "entries",
      [],
      OWNED_PAIRS,
      this.#defaults,
    );
  }

  /**
   * The value of `key` now, then each change to it (`undefined` when it is
   * deleted), until the store closes (the stream ends) or the reader
   * cancels (it unsubscribes). A reader that falls more than `watchBuffer`
   * values behind gets an `OverflowError` on the stream instead of missing
   * values silently.
   *
   * Through `with({ signal })`, the signal aborting ends the stream with its
   * reason and unsubscribes, at any time. `with({ timeout })` bounds only
   * the subscription (the watch command, until the first value), never the
   * life of the watch.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const store = new Store<string, number>();
   * const changes = store.watch("a");
   * await store.set("a", 1);
   * await store.delete("a");
   * await store.close(); // ends the stream
   * const seen = [];
   * for await (const value of changes) seen.push(value);
   * assert.deepEqual(seen, [undefined, 1, undefined]);
   * ```
   */
  watch(key: K): ReadableStream<V | undefined> {
    const { source, readable } = LiveSource.stream<V | undefined>(
      this.#watchBuffer,
    );
    source.follow(this.#defaults?.signal);
    this.#engine.call("watch", [key, source], this.#defaults).catch(
      (error) => source.error(error),
    );
    return readable;
  }

  /**
   * Whether a plain command may run at once, here in the call: the owner
   * is idle and not inspected (see `Engine.quick`) and no signal of this
   * handle has aborted. `get`, `set` and `has` then skip building a
   * command: they run no user code, so they are the whole of their own
   * turn (counted in `stats()` as settled). Anything else, any command
   * while the owner is busy, and every command of an inspected store,
   * goes through the engine.
   */
  #now(): boolean {
    const engine = this.#engine;
    if (!engine.quick || this.#defaults?.signal?.aborted === true) {
      return false;
    }
    engine.direct++;
    return true;
  }

  /**
   * The same store, with options for every command sent through the
   * returned object: an abort signal and a time limit.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   *
   * const store = new Store<string, number>();
   * await store.with({ timeout: 1000 }).set("a", 1);
   * ```
   */
  with(options: CommandOptions): Store<K, V> {
    const parts: StoreParts<K, V> = {
      engine: this.#engine,
      defaults: mergeCommandOptions(this.#defaults, options, "Store.with()"),
      watchBuffer: this.#watchBuffer,
      map: this.#map,
      watchers: this.#watchers,
    };
    return sharedStore<K, V>(parts);
  }
}

/**
 * The copy `with()` returns, made outside the class on purpose: a class body
 * that names its own class is renamed by esbuild (`var Store = class
 * _Store`), and `Store()` without `new` would then say "_Store".
 */
function sharedStore<K, V>(parts: StoreParts<K, V>): Store<K, V> {
  return new Store<K, V>(new Share(parts) as never);
}

/** Builds a new store's map, watchers and engine. */
function storeParts<K, V>(
  entries: Iterable<readonly [K, V]> | null | undefined,
  options: StoreOptions,
): StoreParts<K, V> {
  const map = toMap<K, V>(entries);
  const watchers = new Map<K, Set<Watcher<V>>>();
  const watchBuffer = positiveInteger(
    options?.watchBuffer ?? 1024,
    "watchBuffer",
    "create Store",
  );
  const engine = new Engine(
    (command) => run(command, map, watchers),
    options,
    "Store",
  );
  engine.onStop = () => {
    for (const set of watchers.values()) {
      for (const watcher of set) watcher.close();
    }
  };
  // No per-command defaults: the `timeout` option is the engine's own
  // default, which every command sent without one falls back to.
  return { engine, defaults: undefined, watchBuffer, map, watchers };
}
