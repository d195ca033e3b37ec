// A state timeout (`after`) whose timer fires while the machine is closing:
// the machine stops listening to its timers once close() was called, so the
// timer queues nothing, is not counted as a refused command and is not
// reported to the inspector; the running transition still finishes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type InspectEvent, Machine } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

test("Machine: an after timer firing while the machine closes is not refused, counted or inspected", async () => {
  const clock = manualClock();
  const gate = deferred();
  const events: InspectEvent[] = [];
  const m = new Machine({
    initial: "a",
    states: {
      a: {
        after: { 100: "timedOut" },
        on: { work: { target: "done", action: () => gate.promise } },
      },
      done: {},
      timedOut: {},
    },
  }, { clock, inspect: (event) => void events.push(event) });
  assert.equal(await m.state(), "a"); // the start command armed a's timer
  assert.equal(clock.pending(), 1);
  const work = m.send("work"); // holds the machine in "a"
  await flushMicrotasks();
  const closed = m.close(); // closing: work is still running
  clock.advance(100); // a's timer fires now
  await flushMicrotasks();
  assert.equal(m.stats().refused, 0);
  assert.deepEqual(events.filter((e) => e.type === "refused"), []);
  gate.resolve();
  assert.equal(await work, "done"); // the running transition finished
  await closed;
  assert.equal(m.stats().refused, 0);
  assert.deepEqual(
    events.filter((e) => e.type === "accepted").map((e) => e.op),
    ["start", "state", "send"], // no "after" command was ever queued
  );
  assert.deepEqual(events.filter((e) => e.type === "refused"), []);
});
