import { type Command, OWNED_PAIRS } from "./core/command.ts";
import { describe } from "./core/describe.ts";
import { isPromiseLike } from "./core/is_promise_like.ts";
import { LiveSource } from "./core/live_stream.ts";

// A Store's commands as its engine runs them, and the helpers they share
// with the store's idle shortcuts: the store's state lives in `map` and
// `watchers`, and only this code and those shortcuts touch it.

/** One `watch(key)` stream's source. @internal */
export type Watcher<V> = LiveSource<V | undefined>;

/** `new Map(entries)`, with a message naming the Store. @internal */
export function toMap<K, V>(entries: unknown): Map<K, V> {
  if (entries === undefined || entries === null) return new Map();
  if (typeof (entries as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new TypeError(
      `Cannot create Store: entries must be an iterable of [key, value] pairs, received ${
        describe(entries)
      }`,
    );
  }
  try {
    return new Map(entries as Iterable<[K, V]>);
  } catch (cause) {
    throw new TypeError(
      "Cannot create Store: entries must be an iterable of [key, value] pairs",
      { cause },
    );
  }
}

/**
 * The store's commands, as the engine runs them (in its sink, or inline on
 * an idle store): with the idle shortcuts of `get`, `set` and `has` (see
 * `Store.#now`), the only code that touches `map`.
 */
export function run<K, V>(
  command: Command,
  map: Map<K, V>,
  watchers: Map<K, Set<Watcher<V>>>,
): unknown {
  const args = command.args;
  const key = args[0] as K;
  switch (command.op) {
    case "get":
      return map.get(key);
    case "set":
      setEntry(map, watchers, key, args[1] as V);
      return undefined;
    case "has":
      return map.has(key);
    case "delete": {
      const had = map.delete(key);
      if (had) notifyWatchers(watchers, key, undefined);
      return had;
    }
    case "update": {
      const fn = args[1];
      if (typeof fn !== "function") {
        throw new TypeError(
          `Cannot update: fn must be a function, received ${describe(fn)}`,
        );
      }
      const next = fn(map.get(key));
      const store = (value: V) => {
        map.set(key, value);
        notifyWatchers(watchers, key, value);
        return value;
      };
      return isPromiseLike(next)
        ? Promise.resolve(next).then((value) => store(value as V))
        : store(next as V);
    }
    case "size":
      return map.size;
    case "clear": {
      // Watchers are told before the map empties, so no copy of its keys is
      // needed: nothing reads the map in between (a command sent meanwhile
      // runs after this one).
      if (watchers.size > 0) {
        for (const k of map.keys()) notifyWatchers(watchers, k, undefined);
      }
      map.clear();
      return undefined;
    }
    case "entries": {
      if (command.kind !== OWNED_PAIRS) return Array.from(map); // raw reply
      // A flat copy: no [k, v] array per entry in the owner's turn.
      const flat: unknown[] = new Array(map.size * 2);
      let i = 0;
      map.forEach((value, k) => {
        flat[i++] = k;
        flat[i++] = value;
      });
      return flat;
    }
    case "watch": {
      const watcher = args[1];
      if (!(watcher instanceof LiveSource)) {
        throw new TypeError(
          'Cannot run "watch" from a raw command: call Store.watch(key) instead',
        );
      }
      if (!watcher.open) return undefined; // cancelled while queued
      let set = watchers.get(key);
      if (set === undefined) watchers.set(key, set = new Set());
      const subscribers = set;
      subscribers.add(watcher);
      // Runs once (LiveSource), and only this deletes from the set: the key
      // still maps to this set until its last watcher leaves it.
      watcher.onEnd = () => {
        subscribers.delete(watcher);
        if (subscribers.size === 0) watchers.delete(key);
      };
      watcher.push(map.get(key));
      return undefined;
    }
    default:
      throw new TypeError(
        `Cannot run "${command.op}": Store has no such command (known: get, set, has, delete, update, size, clear, entries, watch)`,
      );
  }
}

/** `set` itself: stores the value and tells the key's watchers. */
export function setEntry<K, V>(
  map: Map<K, V>,
  watchers: Map<K, Set<Watcher<V>>>,
  key: K,
  value: V,
): void {
  map.set(key, value);
  if (watchers.size > 0) notifyWatchers(watchers, key, value);
}

/** Tells the watchers of `key` its new value (`undefined`: removed). */
function notifyWatchers<K, V>(
  watchers: Map<K, Set<Watcher<V>>>,
  key: K,
  value: V | undefined,
): void {
  const set = watchers.get(key);
  if (set !== undefined) { for (const watcher of set) watcher.push(value); }
}
