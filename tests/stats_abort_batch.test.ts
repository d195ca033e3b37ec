// stats() after abort() while a batch runs: the commands of that batch
// that already finished stay counted once (as settled or rejected by their
// handler); only those not run yet, and the queued ones, become rejected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { deferred, flushMicrotasks } from "./_helpers.ts";

test("Owner.stats() after abort() counts the finished commands of the running batch once, and the rest as rejected", async () => {
  const hold = deferred();
  const gate = deferred();
  const owner = new Owner({}, {
    first: () => hold.promise,
    ok: () => "ok",
    fail: () => {
      throw new Error("no");
    },
    wait: () => gate.promise,
  });
  const first = owner.ask("first"); // runs at once, holds the owner
  // One batch behind it: two finish, the third holds, the fourth waits.
  const ok = owner.ask("ok");
  const failed = owner.ask("fail").catch((e: unknown) => e);
  const waiting = owner.ask("wait");
  const behind = owner.ask("ok").catch((e: unknown) => e);
  hold.resolve();
  await first;
  assert.equal(await ok, "ok");
  assert.ok(await failed instanceof Error);
  await flushMicrotasks();
  assert.equal(owner.stats().running?.op, "wait");
  const reason = new Error("stop");
  const stopped = owner.abort(reason);
  assert.equal(await behind, reason);
  gate.resolve();
  await waiting;
  await stopped;
  assert.deepEqual(owner.stats(), {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 3, // first, ok, wait
    rejected: 2, // fail (its handler threw), the one behind
    refused: 0,
  });
});
