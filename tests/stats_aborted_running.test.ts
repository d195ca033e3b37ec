// stats() counts every accepted command once, when it ends: one whose
// signal aborted while its handler ran ends when the handler does, in
// settled or rejected by how the handler ended (as for a timeout).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { deferred, flushMicrotasks } from "./_helpers.ts";

test("Owner.stats() counts a command aborted while running once, by how its handler ended", async () => {
  const gates = [deferred(), deferred()];
  let next = 0;
  const owner = new Owner({}, { hold: () => gates[next++].promise });
  const first = new AbortController();
  const second = new AbortController();
  // One runs at once (inline), one queued: both get aborted while running.
  const a = owner.with({ signal: first.signal }).ask("hold");
  const b = owner.with({ signal: second.signal }).ask("hold");
  first.abort(new Error("left"));
  await assert.rejects(a, { message: "left" });
  assert.equal(owner.stats().rejected, 0, "its handler still runs");
  assert.equal(owner.stats().running?.id, 1);
  gates[0].resolve();
  await flushMicrotasks();
  assert.equal(owner.stats().settled, 1, "counted once, when it returned");
  assert.equal(owner.stats().running?.id, 2);
  second.abort(new Error("left too"));
  await assert.rejects(b, { message: "left too" });
  gates[1].reject(new Error("failed late"));
  await flushMicrotasks();
  assert.deepEqual(owner.stats(), {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 1,
    rejected: 1, // the second, whose handler rejected
    refused: 0,
  });
});
