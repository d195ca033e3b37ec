// stats(): live counters on every owner, with inspect off (and on).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, Owner, Store, TimeoutError } from "../mod.ts";
import { deferred, flushMicrotasks, tellingClock } from "./_helpers.ts";
import { recorder } from "./_inspect.ts";

const fakeClock = () => tellingClock();

test("Owner.stats() of a new owner is all zero, frozen, a plain object", () => {
  const owner = new Owner({}, { x: () => 1 });
  const stats = owner.stats();
  assert.deepEqual(stats, {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 0,
    rejected: 0,
    refused: 0,
  });
  assert.ok(Object.isFrozen(stats));
  assert.equal(Object.getPrototypeOf(stats), Object.prototype);
});

test("Owner.stats() shows the running handler (op, id, for) and what queues behind it", async () => {
  const clock = fakeClock();
  const gate = deferred();
  const owner = new Owner({}, { sync: () => gate.promise, ping: () => 1 }, {
    clock,
    highWaterMark: 1,
  });
  await owner.ask("ping"); // id 1
  owner.stats(); // a health check polls: from now on handlers are timed
  const syncing = owner.ask("sync"); // id 2, runs inline and goes async
  const queued = owner.ask("ping"); // within highWaterMark
  const waiting = owner.ask("ping"); // beyond it: overflow "wait"
  clock.advance(250);
  const stats = owner.stats();
  assert.deepEqual(stats.running, { op: "sync", id: 2, for: 250 });
  assert.ok(Object.isFrozen(stats.running));
  assert.equal(stats.queued, 1);
  assert.equal(stats.waiting, 1);
  gate.resolve();
  await syncing;
  await queued;
  await waiting;
  assert.deepEqual(owner.stats(), {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 4,
    rejected: 0,
    refused: 0,
  });
});

test("Owner.stats() times a handler already running at its first call from that call, and every later one from its start", async () => {
  const clock = fakeClock();
  const gates = [deferred(), deferred(), deferred()];
  let next = 0;
  const owner = new Owner({}, { hold: () => gates[next++].promise }, {
    clock,
  });
  const first = owner.ask("hold"); // starts before any stats(): not timed
  const second = owner.ask("hold"); // queued behind it
  clock.advance(100);
  assert.deepEqual(owner.stats().running, { op: "hold", id: 1, for: 0 });
  clock.advance(40);
  assert.deepEqual(owner.stats().running, { op: "hold", id: 1, for: 40 });
  gates[0].resolve();
  await first;
  await flushMicrotasks();
  clock.advance(30); // the second started when the first settled
  assert.deepEqual(owner.stats().running, { op: "hold", id: 2, for: 30 });
  gates[1].resolve();
  await second;
  const third = owner.ask("hold"); // timed from its start
  await flushMicrotasks();
  clock.advance(5);
  assert.deepEqual(owner.stats().running, { op: "hold", id: 3, for: 5 });
  gates[2].resolve();
  await third;
  await owner.close();
});

test("Owner.stats() running.id is the id the inspection events give the command", async () => {
  const { events, inspect } = recorder();
  const gate = deferred();
  const owner = new Owner({}, { a: () => 1, hold: () => gate.promise }, {
    inspect,
  });
  await owner.ask("a");
  const first = owner.ask("hold");
  const second = owner.ask("hold");
  assert.equal(owner.stats().running?.id, 2);
  gate.resolve();
  await first;
  // `second` is running now, queued in the stream's batch
  await flushMicrotasks();
  await second;
  const started = events.filter((e) => e.type === "started");
  assert.deepEqual(started.map((e) => e.id), [1, 2, 3]);
});

test("Owner.stats() counts a queued command that started in the stream batch as running", async () => {
  const gate1 = deferred();
  const gate2 = deferred();
  const owner = new Owner({}, {
    one: () => gate1.promise,
    two: () => gate2.promise,
  });
  const one = owner.ask("one");
  const two = owner.ask("two");
  assert.equal(owner.stats().running?.op, "one");
  gate1.resolve();
  await one;
  await flushMicrotasks();
  assert.equal(owner.stats().running?.op, "two");
  assert.equal(owner.stats().running?.id, 2);
  gate2.resolve();
  await two;
  assert.equal(owner.stats().running, undefined);
});

test("Owner.stats() counts rejected (thrown, timed out or aborted while queued, stuck) and refused once each", async () => {
  const clock = fakeClock();
  const gate = deferred();
  const errors: unknown[] = [];
  const owner = new Owner({}, {
    boom: () => {
      throw new Error("boom");
    },
    hold: () => gate.promise,
    never: () => new Promise(() => {}),
    ok: () => 1,
  }, { clock, handlerTimeout: 100, onError: (e) => errors.push(e) });
  await assert.rejects(owner.ask("boom"));
  const held = owner.ask("hold");
  const timedOut = owner.with({ timeout: 10 }).ask("ok");
  const controller = new AbortController();
  const aborted = owner.with({ signal: controller.signal }).ask("ok");
  clock.advance(10);
  await assert.rejects(timedOut, TimeoutError);
  controller.abort(new Error("no"));
  await assert.rejects(aborted);
  gate.resolve();
  await held;
  const stuck = owner.ask("never");
  await flushMicrotasks(); // queued behind the settled ones: let it start
  assert.equal(owner.stats().running?.op, "never");
  clock.advance(100);
  await assert.rejects(stuck, TimeoutError);
  await owner.close();
  await assert.rejects(owner.ask("ok"));
  assert.deepEqual(owner.stats(), {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 1, // hold
    rejected: 4, // boom, timedOut, aborted, stuck
    refused: 1, // after close
  });
});

test("Owner.stats() counts a command timed out while running once, by how its handler ended", async () => {
  const clock = fakeClock();
  const gate = deferred();
  const owner = new Owner({}, { hold: () => gate.promise }, { clock });
  const reply = owner.with({ timeout: 5 }).ask("hold");
  clock.advance(5);
  await assert.rejects(reply, TimeoutError);
  assert.equal(owner.stats().rejected, 0, "its handler still runs");
  assert.equal(owner.stats().running?.op, "hold");
  gate.resolve();
  await flushMicrotasks();
  const stats = owner.stats();
  assert.equal(stats.settled, 1);
  assert.equal(stats.rejected, 0);
  assert.equal(stats.running, undefined);
});

test("Store.stats() counts the idle fast path (get, set, has) as settled, and with() handles share the counters", async () => {
  const store = new Store<string, number>();
  await store.set("a", 1);
  await store.get("a");
  await store.has("a");
  await store.with({ timeout: 1000 }).update("a", (v = 0) => v + 1);
  assert.equal(store.stats().settled, 4);
  assert.equal(store.with({}).stats().settled, 4);
});

test('Store.stats() counts a full queue\'s refusals with overflow: "reject"', async () => {
  const gate = deferred();
  const store = new Store<string, number>([], {
    highWaterMark: 1,
    overflow: "reject",
  });
  const held = store.update("a", async () => {
    await gate.promise;
    return 1;
  });
  const queued = store.set("b", 2);
  await assert.rejects(store.set("c", 3), { name: "OverflowError" });
  assert.equal(store.stats().refused, 1);
  assert.equal(store.stats().queued, 1);
  assert.equal(store.stats().running?.op, "update");
  gate.resolve();
  await held;
  await queued;
  assert.equal(store.stats().settled, 2);
});

test("Machine.stats() counts a refused event as rejected (its send ran and threw)", async () => {
  const machine = new Machine({
    initial: "idle",
    states: { idle: { on: { go: "done" } }, done: {} },
  });
  await machine.send("go");
  await assert.rejects(machine.send("go"));
  const stats = machine.stats();
  assert.equal(stats.settled, 1);
  assert.equal(stats.rejected, 1);
  assert.equal(stats.refused, 0);
});
