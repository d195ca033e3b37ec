/**
 * The entries of a sharded store as one stream: each shard's snapshot,
 * read one shard after another and only when the reader asks (`part(i)`
 * for shard `i`, from 0 to `shards - 1`). Each shard's entries are one
 * consistent snapshot of that shard; the shards are read at different
 * moments. Shared by the Durable Objects and Restate store clients.
 *
 * @internal
 */
export function shardedEntries<K, V>(
  shards: number,
  part: (shard: number) => Promise<unknown>,
): ReadableStream<[K, V]> {
  let next = 0;
  return new ReadableStream<[K, V]>({
    pull: async (controller) => {
      while (next < shards) {
        const entries = await part(next++) as [K, V][];
        if (entries.length === 0) continue;
        for (const entry of entries) controller.enqueue(entry);
        return;
      }
      controller.close();
    },
  }, { highWaterMark: 0 });
}
