// An idle owner runs a command inside the call; if its handler turns out
// asynchronous, the command lives on (a timeout, a signal, a reply). Every
// later event of that command (timedOut, aborted, settled, stuck) keeps the
// id its accepted and started events gave it, on each owner kind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, Owner, Store, TimeoutError } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";
import { recorder } from "./_inspect.ts";

test("Owner inspect: an inline async handler that times out keeps its id through timedOut and settled", async () => {
  const clock = manualClock();
  const { events, inspect, trailWithOps } = recorder();
  const gate = deferred<string>();
  const owner = new Owner({}, { ping: () => 1, hold: () => gate.promise }, {
    clock,
    inspect,
  });
  await owner.ask("ping"); // id 1
  const reply = owner.with({ timeout: 10 }).ask("hold"); // id 2, inline
  clock.advance(10);
  await assert.rejects(reply, TimeoutError);
  gate.resolve("late");
  await flushMicrotasks();
  assert.deepEqual(trailWithOps().slice(3), [
    "accepted:2:hold",
    "started:2:hold",
    "timedOut:2:hold",
    "settled:2:hold",
  ]);
  const timedOut = events[5];
  assert.ok(timedOut.type === "timedOut" && timedOut.while === "running");
});

test("Store inspect: an inline async update() keeps its id through aborted and settled", async () => {
  const { events, inspect, trailWithOps } = recorder();
  const gate = deferred();
  const store = new Store<string, number>([], { inspect });
  await store.set("a", 1); // id 1
  const controller = new AbortController();
  const reason = new Error("caller left");
  const updated = store.with({ signal: controller.signal }).update(
    "a",
    async (v = 0) => {
      await gate.promise;
      return v + 1;
    },
  ); // id 2, runs at once and goes async
  controller.abort(reason);
  await assert.rejects(updated, (e) => e === reason);
  gate.resolve();
  await flushMicrotasks();
  assert.deepEqual(trailWithOps().slice(3), [
    "accepted:2:update",
    "started:2:update",
    "aborted:2:update",
    "settled:2:update",
  ]);
  const aborted = events[5];
  assert.ok(aborted.type === "aborted");
  assert.equal(aborted.while, "running");
  assert.equal(aborted.reason, reason);
  const settled = events[6];
  assert.ok(settled.type === "settled" && settled.outcome === "fulfilled");
  assert.equal(await store.get("a"), 2, "the handler went on and committed");
});

test("Store inspect: an inline async update() that rejects settles with its id and error", async () => {
  const { events, inspect, trailWithOps } = recorder();
  const boom = new Error("boom");
  const store = new Store<string, number>([], { inspect });
  await assert.rejects(
    store.update("a", async () => {
      await null;
      throw boom;
    }),
    (e) => e === boom,
  );
  const next = store.set("b", 1); // id 2: the owner is idle again
  await next;
  assert.deepEqual(trailWithOps(), [
    "accepted:1:update",
    "started:1:update",
    "settled:1:update",
    "accepted:2:set",
    "started:2:set",
    "settled:2:set",
  ]);
  const settled = events[2];
  assert.ok(settled.type === "settled" && settled.outcome === "rejected");
  assert.equal(settled.error, boom);
});

test("Machine inspect: an inline async send that runs past handlerTimeout keeps its id through stuck", async () => {
  const clock = manualClock();
  const { inspect, trailWithOps } = recorder();
  const errors: unknown[] = [];
  const machine = new Machine({
    initial: "idle",
    states: {
      idle: {
        on: { go: { target: "done", action: () => new Promise(() => {}) } },
      },
      done: {},
    },
  }, {
    clock,
    inspect,
    handlerTimeout: 20,
    onError: (e) => errors.push(e),
  });
  await machine.state(); // id 1
  const sent = machine.send("go"); // id 2, inline, never settles
  clock.advance(20);
  await assert.rejects(sent, TimeoutError);
  assert.equal(await machine.state(), "idle"); // id 3: the owner moved on
  assert.deepEqual(trailWithOps().slice(3), [
    "accepted:2:send",
    "started:2:send",
    "stuck:2:send",
    "accepted:3:state",
    "started:3:state",
    "settled:3:state",
  ]);
  assert.equal(errors.length, 1);
});
