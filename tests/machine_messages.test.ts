// A Machine's refused or timed-out send() names the event, not only the
// method; CommandInfo keeps { op: "send", args }.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, Machine, OverflowError, TimeoutError } from "../mod.ts";
import { deferred, manualClock } from "./_helpers.ts";

function machine(clock = manualClock()) {
  const gate = deferred();
  const m = new Machine({
    initial: "idle",
    states: {
      idle: { on: { connect: { target: "busy", action: () => gate.promise } } },
      busy: { on: { done: "idle" } },
    },
  }, { clock, highWaterMark: 1, overflow: "reject" });
  return { m, gate, clock };
}

test('Machine.send() timing out says Command "send" (event "done") timed out', async () => {
  const { m, gate, clock } = machine();
  const running = m.send("connect");
  const late = m.with({ timeout: 5 }).send("done");
  clock.advance(5);
  await assert.rejects(late, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(
      error.message,
      'Command "send" (event "done") timed out after 5 ms',
    );
    assert.deepEqual(error.command, { op: "send", args: ["done"] });
    return true;
  });
  gate.resolve();
  await running;
  await m.close();
});

test("Machine.send() refused (queue full, closed) names the event", async () => {
  const { m, gate } = machine();
  const running = m.send("connect");
  const queued = m.send("done");
  await assert.rejects(m.send("done", 7), (error: unknown) => {
    assert.ok(error instanceof OverflowError);
    assert.match(
      error.message,
      /^Cannot run "send" \(event "done"\): the queue is full/,
    );
    assert.deepEqual(error.command, { op: "send", args: ["done", 7] });
    return true;
  });
  gate.resolve();
  await running;
  await queued;
  await m.close();
  await assert.rejects(m.send("connect"), (error: unknown) => {
    assert.ok(error instanceof ClosedError);
    assert.equal(
      error.message,
      'Cannot run "send" (event "connect"): the owner is closed',
    );
    assert.deepEqual(error.command, { op: "send", args: ["connect"] });
    return true;
  });
});

test('Machine.can() timing out says Command "can" timed out: only send() names an event', async () => {
  const { m, gate, clock } = machine();
  const running = m.send("connect");
  const late = m.with({ timeout: 5 }).can("done");
  clock.advance(5);
  await assert.rejects(late, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.message, 'Command "can" timed out after 5 ms');
    assert.deepEqual(error.command, { op: "can", args: ["done"] });
    return true;
  });
  gate.resolve();
  await running;
  await m.close();
});

test('Machine.send() of a symbol (from JS) timing out is named "send": the label never stringifies a symbol', async () => {
  const { m, gate, clock } = machine();
  const running = m.send("connect");
  const event = Symbol("odd") as unknown as "done";
  const late = m.with({ timeout: 5 }).send(event);
  clock.advance(5);
  await assert.rejects(late, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.message, 'Command "send" timed out after 5 ms');
    return true;
  });
  gate.resolve();
  await running;
  await m.close();
});
