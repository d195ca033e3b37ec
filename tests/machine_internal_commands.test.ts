// The commands a Machine queues itself (its start command, its state
// timeouts) carry a private token. With inspectValues an inspector sees
// that token in the "accepted" event's args; writing it back to
// Machine.writable must not run the initial entry a second time, nor a
// state timeout to a state of the writer's choosing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type InspectEvent, Machine } from "../mod.ts";
import { flushMicrotasks, manualClock } from "./_helpers.ts";

test('Machine.writable: a "start" command replayed with the token an inspector saw is refused; the initial entry does not run again', async () => {
  let entered = 0;
  const events: InspectEvent[] = [];
  const m = new Machine({
    initial: "a",
    context: { n: 0 },
    states: {
      a: {
        entry: (context) => {
          entered++;
          context.n++;
        },
      },
    },
  }, { inspect: (event) => void events.push(event), inspectValues: true });
  assert.deepEqual(await m.snapshot(), { state: "a", context: { n: 1 } });
  const start = events.find((e) => e.type === "accepted" && e.op === "start");
  assert.ok(start !== undefined && start.type === "accepted");
  const token = start.args?.[0];
  assert.equal(typeof token, "object"); // the private token
  const writer = m.writable.getWriter();
  const reply = new Promise((resolve, reject) => {
    void writer.write({
      op: "start",
      args: [token],
      reply: { resolve, reject },
    });
  });
  await assert.rejects(reply, {
    name: "TypeError",
    message: /^Cannot run "start": Machine has no such command/,
  });
  assert.equal(entered, 1);
  assert.deepEqual(await m.snapshot(), { state: "a", context: { n: 1 } });
  writer.releaseLock();
  await m.close();
});

test('Machine.writable: an "after" command replayed with the args an inspector saw is refused; the machine stays where its table put it', async () => {
  const clock = manualClock();
  const events: InspectEvent[] = [];
  const errors: unknown[] = [];
  const m = new Machine({
    initial: "a",
    states: {
      a: { after: { 100: "b" } },
      b: {
        entry: () => {
          throw new Error("b refuses entry");
        },
      },
      c: {}, // no transition leads here
    },
  }, {
    clock,
    inspect: (event) => void events.push(event),
    inspectValues: true,
    onError: (error) => void errors.push(error),
  });
  assert.equal(await m.state(), "a");
  clock.advance(100); // the timeout runs; b's entry throws: still in a
  await flushMicrotasks();
  assert.equal(await m.state(), "a");
  assert.equal((errors[0] as Error).message, "b refuses entry");
  const after = events.find((e) => e.type === "accepted" && e.op === "after");
  assert.ok(after !== undefined && after.type === "accepted");
  const [token] = after.args ?? [];
  assert.equal(typeof token, "object"); // the state's private token
  const writer = m.writable.getWriter();
  const reply = new Promise((resolve, reject) => {
    void writer.write({
      op: "after",
      args: [token, 100, "c"],
      reply: { resolve, reject },
    });
  });
  await assert.rejects(reply, {
    name: "TypeError",
    message: /^Cannot run "after": Machine has no such command/,
  });
  assert.equal(await m.state(), "a");
  writer.releaseLock();
  await m.close();
});
