// Inspection events: each kind's fields, and their order against the
// commands that caused them. Times come from a fake clock with `now()`.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ClosedError,
  InspectorError,
  Machine,
  OverflowError,
  Owner,
  ReentrancyError,
  Store,
  TimeoutError,
  TransitionError,
} from "../mod.ts";
import {
  collect,
  deferred,
  flushMicrotasks,
  tellingClock,
} from "./_helpers.ts";
import { recorder } from "./_inspect.ts";

const fakeClock = () => tellingClock(1000);

test("Owner inspect: an idle owner's command is accepted, started and settled inside the call", async () => {
  const clock = fakeClock();
  const { events, inspect } = recorder();
  const owner = new Owner({ n: 0 }, { add: (s, by: number) => (s.n += by) }, {
    clock,
    inspect,
  });
  const reply = owner.ask("add", 2);
  // All three before the caller has even awaited: the handler ran inline.
  assert.equal(events.length, 3);
  const [accepted, started, settled] = events;
  assert.equal(accepted.type, "accepted");
  assert.equal(accepted.owner, "Owner");
  assert.equal(typeof accepted.ownerId, "number");
  assert.equal(accepted.id, 1);
  assert.equal(accepted.op, "add");
  assert.equal(accepted.at, 1000);
  assert.ok(accepted.type === "accepted" && accepted.queued === 0);
  assert.ok(!("args" in accepted), "args only with inspectValues");
  assert.deepEqual(started, {
    type: "started",
    owner: "Owner",
    ownerId: accepted.ownerId,
    id: 1,
    op: "add",
    at: 1000,
    waited: 0,
  });
  assert.deepEqual(settled, {
    type: "settled",
    owner: "Owner",
    ownerId: accepted.ownerId,
    id: 1,
    op: "add",
    at: 1000,
    ran: 0,
    outcome: "fulfilled",
  });
  assert.equal(await reply, 2);
  await owner.ask("add", 1);
  assert.deepEqual(events.slice(3).map((e) => e.id), [2, 2, 2]);
});

test("Owner inspectValues: accepted carries the args, settled the value", async () => {
  const { events, inspect } = recorder();
  const owner = new Owner({ n: 0 }, { add: (s, by: number) => (s.n += by) }, {
    inspect,
    inspectValues: true,
  });
  await owner.ask("add", 5);
  const accepted = events[0];
  const settled = events[2];
  assert.ok(accepted.type === "accepted");
  assert.deepEqual(accepted.args, [5]);
  assert.ok(settled.type === "settled");
  assert.equal(settled.value, 5);
});

test("Owner inspect: a busy owner's commands are accepted in the call, started in turn; waited and ran come from the clock", async () => {
  const clock = fakeClock();
  const { events, inspect, trail } = recorder();
  const gate = deferred<string>();
  const owner = new Owner({}, {
    slow: () => gate.promise,
    fast: () => "fast",
  }, { clock, inspect });
  const slow = owner.ask("slow");
  const fast = owner.ask("fast");
  assert.deepEqual(trail(), ["accepted:1", "started:1", "accepted:2"]);
  const second = events[2];
  assert.ok(second.type === "accepted");
  assert.equal(second.queued, 1, "one command waits behind the running one");
  clock.advance(5);
  gate.resolve("slow");
  assert.equal(await slow, "slow");
  assert.equal(await fast, "fast");
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "accepted:2",
    "settled:1",
    "started:2",
    "settled:2",
  ]);
  const [settled1, started2] = [events[3], events[4]];
  assert.ok(settled1.type === "settled");
  assert.equal(settled1.ran, 5);
  assert.equal(settled1.at, 1005);
  assert.ok(started2.type === "started");
  assert.equal(started2.waited, 5);
  assert.equal(started2.op, "fast");
});

test("Owner inspect: a handler that throws or rejects settles as rejected, with its error", async () => {
  const { events, inspect } = recorder();
  const boom = new Error("boom");
  const later = new Error("later");
  const owner = new Owner({}, {
    sync: () => {
      throw boom;
    },
    async: async () => {
      await null;
      throw later;
    },
  }, { inspect });
  await assert.rejects(owner.ask("sync"), boom);
  await assert.rejects(owner.ask("async"), later);
  const settled = events.filter((e) => e.type === "settled");
  assert.equal(settled.length, 2);
  assert.ok(settled[0].type === "settled" && settled[1].type === "settled");
  assert.equal(settled[0].outcome, "rejected");
  assert.equal(settled[0].error, boom);
  assert.equal(settled[1].outcome, "rejected");
  assert.equal(settled[1].error, later);
  assert.ok(!("value" in settled[1]));
});

test("Owner inspect: refused commands (closed, re-entrant, overflow, aborted) emit refused with id 0 and no accepted", async () => {
  const { events, inspect } = recorder();
  const gate = deferred();
  const owner: Owner<Record<string, never>, {
    hold: () => Promise<void>;
    self: () => unknown;
    noop: () => void;
  }> = new Owner({}, {
    hold: () => gate.promise,
    self: () => owner.ask("noop").catch((e: unknown) => e),
    noop: () => {},
  }, { inspect, highWaterMark: 1, overflow: "reject" });

  // re-entrant: the sync part of "self" sends to its own owner
  const inner = await owner.ask("self");
  assert.ok(inner instanceof ReentrancyError);
  // overflow: one running, one queued, the third refused
  const held = owner.ask("hold");
  const queued = owner.ask("noop");
  await assert.rejects(owner.ask("noop"), OverflowError);
  // aborted: its signal was aborted before it was sent
  const why = new Error("already");
  await assert.rejects(
    owner.with({ signal: AbortSignal.abort(why) }).ask("noop"),
    why,
  );
  gate.resolve();
  await held;
  await queued;
  await owner.close();
  // closed
  await assert.rejects(owner.ask("noop"), ClosedError);

  const refused = events.filter((e) => e.type === "refused");
  assert.deepEqual(
    refused.map((e) => e.type === "refused" && [e.reason, e.op, e.id]),
    [
      ["reentrant", "noop", 0],
      ["overflow", "noop", 0],
      ["aborted", "noop", 0],
      ["closed", "noop", 0],
    ],
  );
  assert.ok(refused[0].type === "refused");
  assert.ok(refused[0].error instanceof ReentrancyError);
  assert.ok(refused[1].type === "refused");
  assert.ok(refused[1].error instanceof OverflowError);
  assert.ok(refused[2].type === "refused");
  assert.equal(refused[2].error, why);
  assert.ok(refused[3].type === "refused");
  assert.ok(refused[3].error instanceof ClosedError);
  // Accepted ids stay dense: refused commands take none.
  const ids = events.filter((e) => e.type === "accepted").map((e) => e.id);
  assert.deepEqual(ids, [1, 2, 3]); // self, hold, the queued noop
});

test("Owner inspect: a command that times out while queued ends with timedOut and never starts", async () => {
  const clock = fakeClock();
  const { events, inspect, trail } = recorder();
  const gate = deferred();
  const owner = new Owner({}, { hold: () => gate.promise, noop: () => {} }, {
    clock,
    inspect,
  });
  const held = owner.ask("hold");
  const late = owner.with({ timeout: 10 }).ask("noop");
  clock.advance(10);
  await assert.rejects(late, TimeoutError);
  gate.resolve();
  await held;
  await flushMicrotasks();
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "accepted:2",
    "timedOut:2",
    "settled:1",
  ]);
  const timedOut = events[3];
  assert.ok(timedOut.type === "timedOut");
  assert.equal(timedOut.while, "queued");
  assert.equal(timedOut.after, 10);
  assert.equal(timedOut.at, 1010);
  assert.equal(timedOut.op, "noop");
});

test("Owner inspect: a command that times out while running emits timedOut, then settled when its handler ends", async () => {
  const clock = fakeClock();
  const { events, inspect, trail } = recorder();
  const gate = deferred<string>();
  const owner = new Owner({}, { hold: () => gate.promise }, { clock, inspect });
  const reply = owner.with({ timeout: 10 }).ask("hold");
  clock.advance(10);
  await assert.rejects(reply, TimeoutError);
  assert.deepEqual(trail(), ["accepted:1", "started:1", "timedOut:1"]);
  const timedOut = events[2];
  assert.ok(timedOut.type === "timedOut" && timedOut.while === "running");
  clock.advance(3);
  gate.resolve("done");
  await flushMicrotasks();
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "timedOut:1",
    "settled:1",
  ]);
  const settled = events[3];
  assert.ok(settled.type === "settled");
  assert.equal(settled.outcome, "fulfilled");
  assert.equal(settled.ran, 13);
});

test("Owner inspect: a command's signal aborts it while queued (its last event) or while running (settled follows)", async () => {
  const { events, inspect, trail } = recorder();
  const gate = deferred();
  const owner = new Owner({}, { hold: () => gate.promise, noop: () => {} }, {
    inspect,
  });
  const running = new AbortController();
  const waiting = new AbortController();
  const held = owner.with({ signal: running.signal }).ask("hold");
  const queued = owner.with({ signal: waiting.signal }).ask("noop");
  const r1 = new Error("stop running");
  const r2 = new Error("stop waiting");
  waiting.abort(r2);
  running.abort(r1);
  await assert.rejects(queued, r2);
  await assert.rejects(held, r1);
  gate.resolve();
  await flushMicrotasks();
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "accepted:2",
    "aborted:2",
    "aborted:1",
    "settled:1",
  ]);
  const [a2, a1] = [events[3], events[4]];
  assert.ok(a2.type === "aborted" && a1.type === "aborted");
  assert.equal(a2.while, "queued");
  assert.equal(a2.reason, r2);
  assert.equal(a1.while, "running");
  assert.equal(a1.reason, r1);
});

test("Owner inspect: abort() rejects every queued command with an aborted event; the running one settles", async () => {
  const { events, inspect, trail } = recorder();
  const gate = deferred();
  const owner = new Owner({}, { hold: () => gate.promise, noop: () => {} }, {
    inspect,
  });
  const held = owner.ask("hold");
  const q1 = owner.ask("noop");
  const q2 = owner.ask("noop");
  const reason = new Error("shutting down");
  const stopped = owner.abort(reason);
  await assert.rejects(q1, reason);
  await assert.rejects(q2, reason);
  gate.resolve();
  await held;
  await stopped;
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "accepted:2",
    "accepted:3",
    "aborted:2",
    "aborted:3",
    "settled:1",
  ]);
  const aborted = events[4];
  assert.ok(aborted.type === "aborted");
  assert.equal(aborted.reason, reason);
  assert.equal(aborted.while, "queued");
});

test("Owner inspect: handlerTimeout reports a stuck handler; the owner moves on and nothing follows for it", async () => {
  const clock = fakeClock();
  const { events, inspect, trail } = recorder();
  const gate = deferred<string>();
  const errors: unknown[] = [];
  const owner = new Owner({}, { stuck: () => gate.promise, next: () => 1 }, {
    clock,
    inspect,
    handlerTimeout: 50,
    onError: (e) => errors.push(e),
  });
  const stuck = owner.ask("stuck");
  const next = owner.ask("next");
  clock.advance(50);
  await assert.rejects(stuck, TimeoutError);
  assert.equal(await next, 1);
  gate.resolve("too late");
  await flushMicrotasks();
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "accepted:2",
    "stuck:1",
    "started:2",
    "settled:2",
  ]);
  const event = events[3];
  assert.ok(event.type === "stuck");
  assert.equal(event.ran, 50);
  assert.equal(event.op, "stuck");
  assert.equal(event.at, 1050);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TimeoutError);
});

test("Machine inspect: transition and eventRefused come between the send's started and settled", async () => {
  const { events, inspect, trail } = recorder();
  const machine = new Machine({
    initial: "idle",
    states: {
      idle: { on: { connect: "connecting" } },
      connecting: { on: { ready: "open" } },
      open: {},
    },
  }, { inspect });
  assert.equal(await machine.send("connect"), "connecting");
  await assert.rejects(machine.send("connect"), TransitionError);
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "transition:1",
    "settled:1",
    "accepted:2",
    "started:2",
    "eventRefused:2",
    "settled:2",
  ]);
  const transition = events[2];
  assert.ok(transition.type === "transition");
  assert.equal(transition.owner, "Machine");
  assert.equal(transition.op, "send");
  assert.equal(transition.from, "idle");
  assert.equal(transition.event, "connect");
  assert.equal(transition.to, "connecting");
  const refused = events[6];
  assert.ok(refused.type === "eventRefused");
  assert.equal(refused.from, "connecting");
  assert.equal(refused.event, "connect");
  assert.ok(refused.error instanceof TransitionError);
  const settled = events[7];
  assert.ok(settled.type === "settled" && settled.outcome === "rejected");
  assert.equal(settled.error, refused.error);
});

test('Machine inspect: an async transition is reported when it commits, before settled; a state timeout runs as an "after" command', async () => {
  const clock = fakeClock();
  const { events, inspect, trail } = recorder();
  const gate = deferred();
  const machine = new Machine({
    initial: "idle",
    states: {
      idle: { on: { go: { target: "waiting", action: () => gate.promise } } },
      waiting: { after: { 100: "expired" } },
      expired: {},
    },
  }, { clock, inspect });
  const sent = machine.send("go");
  assert.deepEqual(trail(), ["accepted:1", "started:1"]);
  gate.resolve();
  assert.equal(await sent, "waiting");
  await flushMicrotasks();
  assert.deepEqual(trail(), [
    "accepted:1",
    "started:1",
    "transition:1",
    "settled:1",
  ]);
  clock.advance(100);
  await flushMicrotasks();
  assert.equal(await machine.state(), "expired");
  const after = events.slice(4, 8);
  assert.deepEqual(after.map((e) => `${e.type}:${e.op}`), [
    "accepted:after",
    "started:after",
    "transition:after",
    "settled:after",
  ]);
  const transition = after[2];
  assert.ok(transition.type === "transition");
  assert.equal(transition.event, "after:100");
  assert.equal(transition.to, "expired");
});

test("Store inspect: get, set and has go through the engine (no silent fast path) and a stream reply's values are its value", async () => {
  const { events, inspect } = recorder();
  const store = new Store<string, number>([["a", 1]], {
    inspect,
    inspectValues: true,
  });
  await store.set("b", 2);
  assert.equal(await store.get("a"), 1);
  assert.equal(await store.has("b"), true);
  assert.deepEqual(await collect(store.entries()), [["a", 1], ["b", 2]]);
  const settled = events.filter((e) => e.type === "settled");
  assert.deepEqual(settled.map((e) => e.op), ["set", "get", "has", "entries"]);
  assert.ok(settled[1].type === "settled" && settled[1].value === 1);
  const accepted = events.filter((e) => e.type === "accepted");
  assert.ok(accepted[0].type === "accepted");
  assert.deepEqual(accepted[0].args, ["b", 2]);
  assert.ok(settled[3].type === "settled");
  assert.ok(Array.isArray(settled[3].value));
});

test("Store inspect: a chunk written to writable is accepted like any command", async () => {
  const { events, inspect, trail } = recorder();
  const store = new Store<string, number>([], { inspect });
  const writer = store.writable.getWriter();
  const result = new Promise((resolve, reject) => {
    writer.write({ op: "set", args: ["k", 1], reply: { resolve, reject } });
  });
  await result;
  await writer.close();
  assert.deepEqual(trail(), ["accepted:1", "started:1", "settled:1"]);
  assert.equal(events[0].op, "set");
});

test("Owner inspect: an inspector that throws is reported to onError as InspectorError and changes nothing", async () => {
  const errors: unknown[] = [];
  const thrown = new Error("exporter down");
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, {
    inspect: (event) => {
      if (event.type === "started") throw thrown;
    },
    onError: (e) => errors.push(e),
  });
  assert.equal(await owner.ask("inc"), 1);
  assert.equal(await owner.ask("inc"), 2);
  assert.equal(errors.length, 2);
  const [error] = errors;
  assert.ok(error instanceof InspectorError);
  assert.equal(error.name, "InspectorError");
  assert.equal(error.event, "started");
  assert.equal(error.cause, thrown);
});

test("Owner inspect: an async inspector's promise is not awaited; its rejection goes to onError", async () => {
  const errors: unknown[] = [];
  const gate = deferred();
  const seen: string[] = [];
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, {
    inspect: async (event) => {
      seen.push(event.type);
      await gate.promise; // never resolves before the command settles
      if (event.type === "settled") throw new Error("late failure");
    },
    onError: (e) => errors.push(e),
  });
  assert.equal(await owner.ask("inc"), 1);
  assert.deepEqual(seen, ["accepted", "started", "settled"]);
  assert.equal(errors.length, 0);
  gate.resolve();
  await flushMicrotasks();
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof InspectorError);
  assert.equal(errors[0].event, "settled");
});

test("Owner inspect: inspected owners are numbered 1, 2, 3… in the order they were made; option errors name the option", () => {
  const { events, inspect } = recorder();
  const a = new Owner({}, { x: () => 1 }, { inspect });
  new Owner({}, { x: () => 0 }); // not inspected: takes no number
  const b = new Owner({}, { x: () => 2 }, { inspect });
  a.ask("x");
  b.ask("x");
  const first = events[0].ownerId;
  assert.ok(Number.isInteger(first) && first >= 1, `received ${first}`);
  assert.equal(events[3].ownerId, first + 1);
  assert.throws(
    () => new Owner({}, {}, { inspect: "yes" as never }),
    {
      name: "TypeError",
      message:
        'Cannot create Owner: inspect must be a function, received "yes"',
    },
  );
  assert.throws(
    () => new Store([], { inspect, inspectValues: 1 as never }),
    { name: "TypeError", message: /inspectValues must be a boolean/ },
  );
});
