import type { Persistence, StoreChange } from "../core/persistence.ts";
import type { DurableStorage } from "./types.ts";

/**
 * A change-log {@linkcode Persistence} for a store over a Durable Object's
 * storage: one storage key per store key (`prefix` + the key as JSON), so a
 * command writes only what it changed. The writes of one `save()` are
 * issued together, without an `await` between them, so the runtime commits
 * them atomically.
 *
 * `load()` lists every key under `prefix`; entries come back in storage
 * key order, not in the order they were first set.
 *
 * @param storage The object's storage (`state.storage`).
 * @param prefix Prefix of the storage keys the store uses.
 * @returns The persistence the store's host uses.
 *
 * @example
 * ```ts
 * import { storagePersistence, type DurableStorage } from "@warden/core/durable";
 * import assert from "node:assert/strict";
 *
 * const data = new Map<string, unknown>();
 * const storage: DurableStorage = {
 *   get: (key) => Promise.resolve(data.get(key)),
 *   put: (key, value) => Promise.resolve(void data.set(key, value)),
 *   delete: (key) => Promise.resolve(data.delete(key)),
 *   deleteAll: () => Promise.resolve(data.clear()),
 *   list: ({ prefix = "" } = {}) =>
 *     Promise.resolve(new Map([...data].filter(([k]) => k.startsWith(prefix)))),
 * };
 * const persistence = storagePersistence<string, number>(storage);
 * await persistence.save([{ op: "set", key: "a", value: 1 }]);
 * assert.deepEqual(await persistence.load(), [["a", 1]]);
 * ```
 */
export function storagePersistence<K, V>(
  storage: DurableStorage,
  prefix = "entry:",
): Persistence<[K, V][], StoreChange<K, V>[]> {
  return {
    async load() {
      const listed = await storage.list({ prefix });
      const entries: [K, V][] = [];
      for (const [name, value] of listed) {
        entries.push([JSON.parse(name.slice(prefix.length)) as K, value as V]);
      }
      return entries;
    },
    async save(changes) {
      const writes: Promise<unknown>[] = [];
      for (const change of changes) {
        if (change.op === "set") {
          writes.push(
            storage.put(prefix + JSON.stringify(change.key), change.value),
          );
        } else if (change.op === "delete") {
          writes.push(storage.delete(prefix + JSON.stringify(change.key)));
        } else {
          for (const name of (await storage.list({ prefix })).keys()) {
            writes.push(storage.delete(name));
          }
        }
      }
      await Promise.all(writes);
    },
  };
}

/**
 * A snapshot {@linkcode Persistence} over a Durable Object's storage: the
 * whole state under one storage key, rewritten by each `save()`. Fits an
 * owner whose state is small, such as a `Machine`'s `{ state, context }`.
 *
 * @param storage The object's storage (`state.storage`).
 * @param key The storage key.
 * @returns The persistence.
 *
 * @example
 * ```ts
 * import { snapshotPersistence, type DurableStorage } from "@warden/core/durable";
 * import assert from "node:assert/strict";
 *
 * const data = new Map<string, unknown>();
 * const storage: DurableStorage = {
 *   get: (key) => Promise.resolve(data.get(key)),
 *   put: (key, value) => Promise.resolve(void data.set(key, value)),
 *   delete: (key) => Promise.resolve(data.delete(key)),
 *   deleteAll: () => Promise.resolve(data.clear()),
 *   list: () => Promise.resolve(new Map(data)),
 * };
 * const persistence = snapshotPersistence<{ state: string }>(storage);
 * assert.equal(await persistence.load(), undefined);
 * await persistence.save({ state: "idle" });
 * assert.deepEqual(await persistence.load(), { state: "idle" });
 * ```
 */
export function snapshotPersistence<S>(
  storage: DurableStorage,
  key = "snapshot",
): Persistence<S> {
  return {
    async load() {
      return (await storage.get(key)) as S | undefined;
    },
    save(snapshot) {
      return storage.put(key, snapshot);
    },
  };
}
