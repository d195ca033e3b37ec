// stats().running.id numbers commands in the order they were accepted,
// counting a Store's get/set/has that ran on its idle fast path (no
// inspector) as well as the commands that went through the engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../mod.ts";
import { deferred } from "./_helpers.ts";

test("Store.stats().running.id counts the idle fast path's get, set and has", async () => {
  const store = new Store<string, number>();
  await store.set("a", 1); // 1
  assert.equal(await store.get("a"), 1); // 2
  assert.equal(await store.has("a"), true); // 3
  assert.equal(await store.size(), 1); // 4: through the engine
  const gate = deferred();
  const running = store.update("a", async (n) => {
    await gate.promise;
    return (n ?? 0) + 1;
  }); // 5
  assert.equal(store.stats().running?.id, 5);
  assert.equal(store.stats().settled, 4);
  gate.resolve();
  assert.equal(await running, 2);
  await store.set("b", 2); // 6
  const held = deferred();
  const next = store.update("b", async (n) => {
    await held.promise;
    return (n ?? 0) + 1;
  }); // 7
  assert.equal(store.stats().running?.id, 7);
  held.resolve();
  await next;
  await store.close();
});
