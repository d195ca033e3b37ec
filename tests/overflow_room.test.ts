// Room for raw writers (the owner's `writable`) at the high-water mark:
// when a write waits, what wakes it, and what refuses it at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, Owner } from "../mod.ts";
import { deferred, flushMicrotasks } from "./_helpers.ts";

/** An owner with highWaterMark 1 whose `block` waits for its own gate. */
function full() {
  const gates: ReturnType<typeof deferred<void>>[] = [];
  const log: string[] = [];
  const owner = new Owner(log, {
    block: (s, name: string) => {
      const gate = deferred();
      gates.push(gate);
      return gate.promise.then(() => s.push(name));
    },
    run: (s, name: string) => s.push(name),
  }, { highWaterMark: 1 });
  const settled: unknown[] = [];
  const reply = {
    resolve: (v: unknown) => settled.push(v),
    reject: (e: unknown) => settled.push(e),
  };
  return { gates, log, owner, settled, reply };
}

test("Owner.writable on a full owner that is closing refuses a raw write at once with ClosedError, not after the queue drains", async () => {
  const { gates, log, owner, settled, reply } = full();
  const running = owner.ask("block", "a"); // runs, holds the owner
  const queued = owner.ask("run", "b"); // fills the one slot
  const closed = owner.close();
  const writer = owner.writable.getWriter();
  let accepted = false;
  const write = writer.write({ op: "run", args: ["late"], reply }).then(() =>
    accepted = true
  );
  await flushMicrotasks();
  assert.equal(accepted, true); // no room needed: it is refused, not held
  assert.equal(settled.length, 1);
  assert.ok(settled[0] instanceof ClosedError);
  assert.deepEqual(settled[0].command, { op: "run", args: ["late"] });
  assert.match(settled[0].message, /is closing/);
  assert.equal(gates.length, 1); // the running handler has not finished
  gates[0].resolve();
  assert.equal(await running, 1);
  assert.equal(await queued, 2);
  await write;
  writer.releaseLock();
  await closed;
  assert.deepEqual(log, ["a", "b"]);
});

test("Owner.writable: a raw write waiting for room wakes when abort() is called, before the running handler finishes, and is refused with ClosedError", async () => {
  const { gates, owner, settled, reply } = full();
  const running = owner.ask("block", "a");
  const queued = owner.ask("run", "b").catch((e: unknown) => e);
  const writer = owner.writable.getWriter();
  let accepted = false;
  const write = writer.write({ op: "run", args: ["late"], reply }).then(() =>
    accepted = true
  );
  await flushMicrotasks();
  assert.equal(accepted, false); // waiting for room
  const reason = new Error("stop");
  void owner.abort(reason);
  await flushMicrotasks();
  assert.equal(accepted, true); // woken before the running handler finishes
  assert.equal(gates.length, 1);
  assert.equal(await queued, reason);
  assert.equal(settled.length, 1);
  assert.ok(settled[0] instanceof ClosedError); // refused: the owner was aborted
  assert.match(settled[0].message, /was aborted/);
  gates[0].resolve();
  await running;
  await write;
  await owner.closed;
});
