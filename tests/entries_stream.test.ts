// entries() snapshots the map flat in the owner's turn and builds the
// [key, value] pairs as the reader reads, in chunks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../mod.ts";
import { collect } from "./_helpers.ts";

test("Store.entries() streams every [key, value] pair in order across chunk boundaries", async () => {
  const pairs: [string, number][] = Array.from(
    { length: 1000 },
    (_, i) => [`k${i}`, i],
  );
  const store = new Store(pairs);
  const read = await collect(store.entries());
  assert.deepEqual(read, pairs);
  assert.equal(new Set(read).size, 1000); // a fresh array per pair
  await store.close();
});

test("Store.entries() of an empty store ends at once", async () => {
  const store = new Store<string, number>();
  assert.deepEqual(await collect(store.entries()), []);
  await store.close();
});

test("Store: a raw entries envelope with a WritableStream reply gets [key, value] pairs", async () => {
  const store = new Store([["a", 1], ["b", 2]]);
  const { readable, writable } = new TransformStream<unknown, unknown>();
  const writer = store.writable.getWriter();
  await writer.write({ op: "entries", args: [], reply: writable });
  assert.deepEqual(await collect(readable), [["a", 1], ["b", 2]]);
  await writer.close();
});
