// `new Store()` with no entries: omitted, `undefined` or `null` (as
// `new Map()` takes them) all give an empty store that works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../mod.ts";
import { collect } from "./_helpers.ts";

test("new Store(null), new Store(undefined) and new Store() start empty and serve", async () => {
  for (
    const store of [
      new Store<string, number>(null),
      new Store<string, number>(undefined),
      new Store<string, number>(),
      new Store<string, number>(null, { highWaterMark: 4 }),
    ]
  ) {
    assert.equal(await store.size(), 0);
    assert.deepEqual(await collect(store.entries()), []);
    await store.set("a", 1);
    assert.equal(await store.get("a"), 1);
    await store.close();
  }
});
