// stats().running.id numbers commands in the order they were accepted,
// counting a Store's get/set/has that ran on its idle fast path (no
// inspector) as well as the commands that went through the engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../mod.ts";
import { deferred, flushMicrotasks } from "./_helpers.ts";

test("Store.stats().running.id counts the idle fast path's get, set and has", async () => {
  const store = new Store<string, number>([], { highWaterMark: 1 });
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
  const gates = [deferred(), deferred()];
  const queued = gates.map((g) =>
    store.update("a", async (n) => {
      await g.promise;
      return (n ?? 0) + 1;
    })
  ); // 6 (queued), 7 (waiting beyond highWaterMark 1)
  assert.deepEqual(
    [store.stats().queued, store.stats().waiting],
    [1, 1],
  );
  gate.resolve();
  assert.equal(await running, 2);
  await flushMicrotasks();
  assert.equal(store.stats().running?.id, 6);
  gates[0].resolve();
  assert.equal(await queued[0], 3);
  await flushMicrotasks();
  assert.equal(store.stats().running?.id, 7);
  gates[1].resolve();
  assert.equal(await queued[1], 4);
  await flushMicrotasks(); // the busy period ends: the store is idle again
  await store.set("b", 2); // 8: the fast path again, now the store is idle
  const held = deferred();
  const next = store.update("b", async (n) => {
    await held.promise;
    return (n ?? 0) + 1;
  }); // 9
  assert.equal(store.stats().running?.id, 9);
  held.resolve();
  await next;
  await store.close();
});
