// A handler that aborts its own command's signal during its synchronous
// part, on a command started from the queue: the command is running (its
// handler has started), so it ends as a running command aborted does. Its
// caller gets the abort reason at once; the owner counts and reports it
// once, when its handler ends, with `while: "running"`. And the other way
// round: a queued command aborted while another runs leaves the running one
// its name (a Machine's transitions carry the running send's id).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, Owner } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";
import { recorder } from "./_inspect.ts";

test("Owner: a queued command whose handler aborts its own signal is counted once, as running", async () => {
  const { events, inspect, trail } = recorder();
  const gate = deferred();
  const controller = new AbortController();
  const owner = new Owner({ n: 0 }, {
    hold: () => gate.promise,
    leave: (state) => {
      controller.abort(new Error("left"));
      return ++state.n;
    },
  }, { inspect });
  const first = owner.ask("hold");
  const second = owner.with({ signal: controller.signal }).ask("leave");
  gate.resolve();
  await first;
  await assert.rejects(second, { message: "left" });
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "accepted:2",
    "settled:1",
    "started:2",
    "aborted:2",
    "settled:2",
  ]);
  const aborted = events[5];
  assert.ok(aborted.type === "aborted");
  assert.equal(aborted.while, "running");
  const settled = events[6];
  assert.ok(settled.type === "settled");
  assert.equal(settled.outcome, "fulfilled");
  assert.deepEqual(owner.stats(), {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 2, // the second's handler returned
    rejected: 0,
    refused: 0,
  });
});

test("Owner: a queued async handler that aborts its own signal, then runs past handlerTimeout, is rejected once", async () => {
  const clock = manualClock();
  const { inspect, trail } = recorder();
  const gate = deferred();
  const controller = new AbortController();
  const errors: unknown[] = [];
  const owner = new Owner({}, {
    hold: () => gate.promise,
    leave: () => {
      controller.abort(new Error("left"));
      return new Promise<never>(() => {}); // never settles
    },
  }, {
    inspect,
    clock,
    handlerTimeout: 50,
    onError: (error) => errors.push(error),
  });
  const first = owner.ask("hold");
  const second = owner.with({ signal: controller.signal }).ask("leave");
  gate.resolve();
  await first;
  await assert.rejects(second, { message: "left" });
  assert.equal(owner.stats().running?.id, 2, "its handler still runs");
  assert.equal(owner.stats().rejected, 0);
  clock.advance(50);
  await flushMicrotasks();
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "accepted:2",
    "settled:1",
    "started:2",
    "aborted:2",
    "stuck:2",
  ]);
  assert.equal(errors.length, 1, "the stuck handler is reported");
  assert.deepEqual(owner.stats(), {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 1,
    rejected: 1, // once, when it was found stuck
    refused: 0,
  });
});

test("Machine: a queued send whose action aborts its own signal keeps its id on the transition", async () => {
  const { events, inspect, trail } = recorder();
  const gate = deferred();
  const controller = new AbortController();
  const machine = new Machine({
    initial: "idle",
    states: {
      idle: { on: { wait: { target: "waiting", action: () => gate.promise } } },
      waiting: {
        on: {
          leave: {
            target: "gone",
            action: () => controller.abort(new Error("left")),
          },
        },
      },
      gone: {},
    },
  }, { inspect });
  const first = machine.send("wait");
  const second = machine.with({ signal: controller.signal }).send("leave");
  gate.resolve();
  assert.equal(await first, "waiting");
  await assert.rejects(second, { message: "left" });
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "accepted:2",
    "transition:1",
    "settled:1",
    "started:2",
    "aborted:2",
    "transition:2",
    "settled:2",
  ]);
  const transition = events[7];
  assert.ok(transition.type === "transition");
  assert.equal(transition.event, "leave");
  assert.equal(transition.to, "gone");
  assert.equal(await machine.state(), "gone");
});

test("Machine: a queued send aborted while an async action runs leaves the running send's id on its transition", async () => {
  const { events, inspect, trail } = recorder();
  const gate = deferred();
  const controller = new AbortController();
  const machine = new Machine({
    initial: "idle",
    states: {
      idle: {
        on: {
          go: { target: "busy", action: () => gate.promise },
          other: "busy",
        },
      },
      busy: {},
    },
  }, { inspect });
  const first = machine.send("go");
  const second = machine.with({ signal: controller.signal }).send("other");
  controller.abort(new Error("left"));
  await assert.rejects(second, { message: "left" });
  gate.resolve();
  assert.equal(await first, "busy");
  await flushMicrotasks();
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "accepted:2",
    "aborted:2",
    "transition:1",
    "settled:1",
  ]);
  const aborted = events[3];
  assert.ok(aborted.type === "aborted");
  assert.equal(aborted.while, "queued");
});
