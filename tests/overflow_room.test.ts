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

test('Owner with overflow "reject": a command whose signal is already aborted takes no place in the queue', async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => 1 }, {
    highWaterMark: 1,
    overflow: "reject",
  });
  const running = owner.ask("block"); // runs, holds the owner
  const reason = new Error("already aborted");
  const gone = owner.with({ signal: AbortSignal.abort(reason) }).ask("run");
  await assert.rejects(gone, (e) => e === reason);
  const queued = owner.ask("run"); // the one slot is still free
  gate.resolve();
  await running;
  assert.equal(await queued, 1);
  await owner.close();
});

test('Owner with overflow "wait": a command sent from a raw reply callback queues behind the commands already waiting', async () => {
  const { gates, log, owner } = full();
  const running = owner.ask("block", "a"); // runs, holds the owner
  const writer = owner.writable.getWriter();
  const sent: Promise<unknown>[] = [];
  const reply = {
    // Called in the owner's turn, as soon as "b" ran: "late" is sent then.
    resolve: () => void sent.push(owner.ask("run", "late")),
    reject: (e: unknown) => assert.fail(e as Error),
  };
  await writer.write({ op: "run", args: ["b"], reply }); // the one slot
  const waiting = [owner.ask("run", "c"), owner.ask("run", "d")];
  gates[0].resolve();
  await running;
  await Promise.all(waiting);
  await Promise.all(sent);
  assert.deepEqual(log, ["a", "b", "c", "d", "late"]);
  writer.releaseLock();
  await owner.close();
});

test('Owner.writable with overflow "wait": a raw write waits while the freed slot goes to a command already waiting', async () => {
  const { gates, log, owner, settled, reply } = full();
  const a = owner.ask("block", "a"); // runs, holds the owner
  const b = owner.ask("block", "b"); // the one slot
  const c = owner.ask("run", "c"); // waits for room
  const writer = owner.writable.getWriter();
  let accepted = false;
  const write = writer.write({ op: "run", args: ["w"], reply }).then(() =>
    accepted = true
  );
  gates[0].resolve();
  await a;
  await flushMicrotasks();
  assert.equal(gates.length, 2); // b runs; c took the slot it freed
  assert.equal(accepted, false); // so the raw write still waits
  gates[1].resolve();
  await Promise.all([b, c, write]);
  assert.equal(accepted, true);
  writer.releaseLock();
  await owner.close();
  assert.deepEqual(log, ["a", "b", "c", "w"]);
  assert.deepEqual(settled, [4]);
});
