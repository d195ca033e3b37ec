/**
 * Where an owner's state lives when it must outlive the process: load it
 * once when the owner starts, save each command's effects before that
 * command's reply is sent.
 *
 * @module
 */

/**
 * A backend that keeps an owner's state: `load()` once when the owner
 * starts, `save()` from inside each changing command, before its reply.
 * The owner awaits `save()`; if it rejects, the command fails and the
 * owner's memory is left as it was, so no caller is told of a change that
 * could be lost.
 *
 * Two shapes fit one interface: a snapshot backend saves the whole state
 * each time (`Change` = `Snapshot`, as for a `Machine`); a change-log
 * backend saves only what one command changed (`Change` = a list of
 * {@linkcode StoreChange}, as for a `Store`). The Durable Object adapter in
 * `@warden/core/durable` implements both over the object's transactional
 * storage; other backends (a file, SQLite, KV) can follow the same shape.
 *
 * @typeParam Snapshot What `load()` resolves: the whole state.
 * @typeParam Change What `save()` receives for one command.
 *
 * @example An in-memory change log for a store of counters
 * ```ts
 * import type { Persistence, StoreChange } from "@warden/core/durable";
 * import assert from "node:assert/strict";
 *
 * const saved = new Map<string, number>();
 * const persistence: Persistence<[string, number][], StoreChange<string, number>[]> = {
 *   load: () => Promise.resolve([...saved]),
 *   save(changes) {
 *     for (const change of changes) {
 *       if (change.op === "set") saved.set(change.key, change.value);
 *       else if (change.op === "delete") saved.delete(change.key);
 *       else saved.clear();
 *     }
 *     return Promise.resolve();
 *   },
 * };
 * await persistence.save([{ op: "set", key: "a", value: 1 }]);
 * assert.deepEqual(await persistence.load(), [["a", 1]]);
 * ```
 */
export interface Persistence<Snapshot, Change = Snapshot> {
  /** The saved state, or `undefined` when nothing was saved yet. */
  load(): Promise<Snapshot | undefined>;
  /**
   * Makes one command's effects durable. Resolves once they are; rejects
   * if they could not be, and then the command fails.
   */
  save(change: Change): Promise<void>;
}

/**
 * One change a store command made to its map, as a change-log
 * {@linkcode Persistence} receives it.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 *
 * @example
 * ```ts
 * import type { StoreChange } from "@warden/core/durable";
 *
 * const changes: StoreChange<string, number>[] = [
 *   { op: "set", key: "a", value: 1 },
 *   { op: "delete", key: "b" },
 *   { op: "clear" },
 * ];
 * console.log(changes.length); // 3
 * ```
 */
export type StoreChange<K, V> =
  | { readonly op: "set"; readonly key: K; readonly value: V }
  | { readonly op: "delete"; readonly key: K }
  | { readonly op: "clear" };
