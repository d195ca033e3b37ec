// stats().running.for: exact from the handler's start on an inspected owner
// (and once stats() has been called); for a handler that was already running
// at the first stats() call of an uninspected owner, counted from that call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner, Store } from "../mod.ts";
import { deferred, flushMicrotasks, tellingClock } from "./_helpers.ts";

const fakeClock = () => tellingClock();

test("Owner.stats() on an inspected owner times a handler from its start, even before the first stats() call", async () => {
  const clock = fakeClock();
  const gates = [deferred(), deferred()];
  let next = 0;
  const owner = new Owner({}, { hold: () => gates[next++].promise }, {
    clock,
    inspect: () => {},
  });
  const first = owner.ask("hold"); // runs at once, goes async at 0
  const second = owner.ask("hold"); // queued: starts when the first settles
  clock.advance(70);
  assert.deepEqual(owner.stats().running, { op: "hold", id: 1, for: 70 });
  gates[0].resolve();
  await first;
  await flushMicrotasks();
  clock.advance(20);
  assert.deepEqual(owner.stats().running, { op: "hold", id: 2, for: 20 });
  gates[1].resolve();
  await second;
});

test("Store.stats() on an inspected store times an async update() from its start", async () => {
  const clock = fakeClock();
  const gate = deferred();
  const store = new Store<string, number>([], {
    clock,
    inspect: () => {},
  });
  const updated = store.update("a", async () => {
    await gate.promise;
    return 1;
  });
  clock.advance(15);
  assert.deepEqual(store.stats().running, { op: "update", id: 1, for: 15 });
  gate.resolve();
  await updated;
  assert.equal(store.stats().running, undefined);
});

test("Owner.stats() of an uninspected owner times a queued handler that started before the first stats() call from that call", async () => {
  const clock = fakeClock();
  const gates = [deferred(), deferred()];
  let next = 0;
  const owner = new Owner({}, { hold: () => gates[next++].promise }, {
    clock,
  });
  const first = owner.ask("hold");
  const second = owner.ask("hold"); // queued; starts in the stream's batch
  gates[0].resolve();
  await first;
  await flushMicrotasks();
  clock.advance(100); // the second has run for 100 ms, unseen
  assert.deepEqual(owner.stats().running, { op: "hold", id: 2, for: 0 });
  clock.advance(8);
  assert.deepEqual(owner.stats().running, { op: "hold", id: 2, for: 8 });
  gates[1].resolve();
  await second;
});
