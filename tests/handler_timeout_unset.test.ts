// Without handlerTimeout (its default, Infinity) the owner waits for an
// async handler however long it takes: no timer is armed for it, whether it
// ran at once or from the queue. (A timer of Infinity ms would fire at once
// on Node, whose setTimeout clamps delays past 2^31 - 1 ms to 1 ms.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner, Store } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

test("Owner without handlerTimeout arms no timer for an async handler, run at once or queued", async () => {
  const clock = manualClock();
  const gates = [deferred<string>(), deferred<string>()];
  let next = 0;
  const owner = new Owner({}, { hold: () => gates[next++].promise }, {
    clock,
  });
  const first = owner.ask("hold"); // runs at once
  const second = owner.ask("hold"); // queued
  assert.equal(clock.pending(), 0);
  gates[0].resolve("a");
  assert.equal(await first, "a");
  await flushMicrotasks();
  assert.equal(owner.stats().running?.id, 2);
  assert.equal(clock.pending(), 0);
  clock.advance(Number.MAX_SAFE_INTEGER);
  gates[1].resolve("b");
  assert.equal(await second, "b");
});

test("Store without handlerTimeout arms no timer for an async update()", async () => {
  const clock = manualClock();
  const gate = deferred();
  const store = new Store<string, number>([], { clock });
  const updated = store.update("a", async () => {
    await gate.promise;
    return 1;
  });
  assert.equal(clock.pending(), 0);
  gate.resolve();
  assert.equal(await updated, 1);
});
