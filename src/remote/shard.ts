/**
 * Which of `shards` objects owns `key`: a stable hash (32-bit FNV-1a of the
 * key's JSON text, as UTF-8) modulo `shards`. The same key maps to the
 * same shard in every Worker, on every runtime, forever; changing the
 * number of shards moves most keys, so a client names its objects with the
 * shard count (see `storeClient`).
 *
 * @param key The key; its JSON text is hashed.
 * @param shards How many objects the keys are spread over.
 * @returns The shard index, from `0` to `shards - 1`.
 *
 * @example
 * ```ts
 * import { shardOf } from "@warden/core/durable";
 * import assert from "node:assert/strict";
 *
 * const shard = shardOf("user:42", 8);
 * assert.ok(shard >= 0 && shard < 8);
 * assert.equal(shardOf("user:42", 8), shard); // stable
 * assert.equal(shardOf("anything", 1), 0);
 * ```
 */
export function shardOf(key: unknown, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) {
    throw new RangeError(
      `Cannot pick a shard: shards must be a positive integer, received ${shards}`,
    );
  }
  const text = JSON.stringify(key);
  if (text === undefined) {
    throw new TypeError(
      `Cannot pick a shard: the key must survive JSON, received ${typeof key}`,
    );
  }
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** The object name of shard `i` of `shards` of the store `name`; internal. */
export function shardName(name: string, i: number, shards: number): string {
  return shards === 1 ? name : `${name}#${i}/${shards}`;
}
