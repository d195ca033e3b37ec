// stats().waiting with overflow "wait": a command that timed out (or was
// aborted) while waiting beyond highWaterMark is counted until room frees
// for it; then it is dropped and the next waiting command moves up instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner, TimeoutError } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

test("Owner.stats(): a command that timed out while waiting gives its place to the next waiting one when room frees", async () => {
  const clock = manualClock();
  const gates = [deferred(), deferred()];
  let next = 0;
  const ran: string[] = [];
  const owner = new Owner({}, {
    hold: () => gates[next++].promise,
    run: (_, name: string) => {
      ran.push(name);
      return name;
    },
  }, { clock, highWaterMark: 1 });
  const a = owner.ask("hold"); // runs
  const b = owner.ask("hold"); // the one slot
  const c = owner.with({ timeout: 10 }).ask("run", "c"); // waits
  const d = owner.ask("run", "d"); // waits behind it
  clock.advance(10);
  await assert.rejects(c, TimeoutError);
  assert.equal(owner.stats().queued, 1);
  assert.equal(owner.stats().waiting, 2, "counted until room frees for it");
  gates[0].resolve();
  await a;
  await flushMicrotasks();
  // b runs now: its slot went to d, and c is gone.
  assert.equal(owner.stats().running?.id, 2);
  assert.equal(owner.stats().queued, 1);
  assert.equal(owner.stats().waiting, 0);
  const e = owner.ask("run", "e"); // the queue is full again: e waits
  assert.equal(owner.stats().waiting, 1);
  gates[1].resolve();
  await b;
  assert.equal(await d, "d");
  assert.equal(await e, "e");
  assert.deepEqual(ran, ["d", "e"]);
  assert.deepEqual(owner.stats(), {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 4,
    rejected: 1,
    refused: 0,
  });
});
