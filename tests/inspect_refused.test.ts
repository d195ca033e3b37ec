// The refused event for a signal that was already aborted when the command
// was sent, on each road a command can take: an idle Owner's ask(), an idle
// Store's or Machine's command (the engine's generic idle path), and a busy
// owner's queue. In each the caller rejects with the signal's reason, the
// command takes no id, and stats() counts it as refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type InspectEvent,
  Machine,
  Owner,
  type RefusedEvent,
  Store,
} from "../mod.ts";
import { deferred } from "./_helpers.ts";
import { recorder } from "./_inspect.ts";

/** The one event, checked to be a refused one. */
function onlyRefused(events: InspectEvent[]): RefusedEvent {
  assert.deepEqual(events.map((e) => e.type), ["refused"]);
  const [event] = events;
  assert.ok(event.type === "refused");
  return event;
}

test('Owner.ask() on an idle owner with an aborted signal emits refused with reason "aborted" and no accepted', async () => {
  const { events, inspect } = recorder();
  let ran = 0;
  const owner = new Owner({}, { run: () => ++ran }, { inspect });
  const reason = new Error("gone already");
  const view = owner.with({ signal: AbortSignal.abort(reason) });
  await assert.rejects(view.ask("run"), (e) => e === reason);
  const refused = onlyRefused(events);
  assert.equal(refused.reason, "aborted");
  assert.equal(refused.error, reason);
  assert.equal(refused.op, "run");
  assert.equal(refused.id, 0);
  assert.equal(refused.owner, "Owner");
  assert.equal(ran, 0);
  assert.equal(owner.stats().refused, 1);
  // The next command takes id 1: the refused one took none.
  await owner.ask("run");
  assert.equal(events[1].type, "accepted");
  assert.equal(events[1].id, 1);
});

test('Owner.ask() with more than two arguments on an idle owner with an aborted signal emits refused with reason "aborted"', async () => {
  const { events, inspect } = recorder();
  const owner = new Owner({}, {
    sum: (_, a: number, b: number, c: number) => a + b + c,
  }, { inspect });
  const reason = new Error("gone already");
  const view = owner.with({ signal: AbortSignal.abort(reason) });
  await assert.rejects(view.ask("sum", 1, 2, 3), (e) => e === reason);
  const refused = onlyRefused(events);
  assert.equal(refused.reason, "aborted");
  assert.equal(refused.error, reason);
  assert.equal(refused.op, "sum");
});

test('Store on an idle inspected store with an aborted signal: get() and update() emit refused with reason "aborted"', async () => {
  const { events, inspect } = recorder();
  const store = new Store<string, number>([["a", 1]], { inspect });
  const reason = new Error("gone already");
  const view = store.with({ signal: AbortSignal.abort(reason) });
  await assert.rejects(view.get("a"), (e) => e === reason);
  const refused = onlyRefused(events);
  assert.equal(refused.reason, "aborted");
  assert.equal(refused.error, reason);
  assert.equal(refused.op, "get");
  assert.equal(refused.owner, "Store");
  events.length = 0;
  await assert.rejects(view.update("a", (v = 0) => v + 1), (e) => e === reason);
  assert.equal(onlyRefused(events).reason, "aborted");
  assert.equal(await store.get("a"), 1, "the update never ran");
  assert.equal(store.stats().refused, 2);
});

test('Machine.send() on an idle machine with an aborted signal emits refused with reason "aborted"', async () => {
  const { events, inspect } = recorder();
  const machine = new Machine({
    initial: "idle",
    states: { idle: { on: { go: "done" } }, done: {} },
  }, { inspect });
  const reason = new Error("gone already");
  await assert.rejects(
    machine.with({ signal: AbortSignal.abort(reason) }).send("go"),
    (e) => e === reason,
  );
  const refused = onlyRefused(events);
  assert.equal(refused.reason, "aborted");
  assert.equal(refused.error, reason);
  assert.equal(refused.op, "send");
  assert.equal(await machine.state(), "idle");
});

test('Owner.ask() on a busy owner with an aborted signal emits refused with reason "aborted" and the signal\'s reason', async () => {
  const { events, inspect } = recorder();
  const gate = deferred();
  const owner = new Owner({}, { hold: () => gate.promise, run: () => 1 }, {
    inspect,
  });
  const held = owner.ask("hold");
  const reason = new Error("gone already");
  const view = owner.with({ signal: AbortSignal.abort(reason) });
  await assert.rejects(view.ask("run"), (e) => e === reason);
  const refused = events.filter((e) => e.type === "refused");
  assert.equal(refused.length, 1);
  assert.ok(refused[0].type === "refused");
  assert.equal(refused[0].reason, "aborted");
  assert.equal(refused[0].error, reason);
  assert.equal(owner.stats().refused, 1);
  gate.resolve();
  await held;
});
