// The library on runtimes that lack some web globals. Vercel edge-runtime
// (checked in tests/edge/edge_runtime.edge.mjs) has no CountQueuingStrategy
// and no AbortSignal.any; these tests remove them here, on every runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../mod.ts";
import { collect } from "./_helpers.ts";

/** Runs `body` with `object[key]` deleted, then puts it back. */
async function without(
  object: object,
  key: string,
  body: () => Promise<void>,
): Promise<void> {
  const saved = Object.getOwnPropertyDescriptor(object, key);
  assert.ok(saved, `${key} is there to remove`);
  assert.equal(Reflect.deleteProperty(object, key), true);
  assert.equal(key in object, false);
  try {
    await body();
  } finally {
    Object.defineProperty(object, key, saved);
  }
}

test("Store.entries() and Store.watch() work without CountQueuingStrategy", async () => {
  await without(globalThis, "CountQueuingStrategy", async () => {
    const store = new Store<string, number>([["a", 1], ["b", 2]]);
    assert.deepEqual(await collect(store.entries()), [["a", 1], ["b", 2]]);
    const changes = store.watch("a");
    await store.set("a", 3);
    await store.close();
    assert.deepEqual(await collect(changes), [1, 3]);
  });
});

test("Store.with().with() applies both signals without AbortSignal.any", async () => {
  await without(AbortSignal, "any", async () => {
    const store = new Store<string, number>([["a", 1]]);
    const first = new AbortController();
    const second = new AbortController();
    const view = store.with({ signal: first.signal }).with({
      signal: second.signal,
    });
    assert.equal(await view.get("a"), 1);
    const reason = new Error("second");
    second.abort(reason);
    await assert.rejects(view.get("a"), (error) => error === reason);

    const third = new AbortController();
    const other = store.with({ signal: third.signal }).with({
      signal: new AbortController().signal,
    });
    const reason3 = new Error("third");
    third.abort(reason3);
    await assert.rejects(other.get("a"), (error) => error === reason3);
    await store.close();
  });
});
