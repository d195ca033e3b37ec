// What abort() settles at once and what it waits for: the commands queued
// behind a running handler reject when abort() is called, not when that
// handler finishes; the running handler alone finishes first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, Owner } from "../mod.ts";
import { deferred, flushMicrotasks } from "./_helpers.ts";

/** An owner whose `block` handlers each wait for their own gate. */
function blocking() {
  const gates: ReturnType<typeof deferred<void>>[] = [];
  const ran: string[] = [];
  const owner = new Owner(ran, {
    block: (s, name: string) => {
      s.push(name);
      const gate = deferred();
      gates.push(gate);
      return gate.promise.then(() => name);
    },
    run: (s, name: string) => {
      s.push(name);
      return name;
    },
  });
  return { gates, ran, owner };
}

test("Owner.abort() while a handler of a queued batch runs rejects the commands behind it in that batch before it finishes", async () => {
  const { gates, ran, owner } = blocking();
  const first = owner.ask("block", "a"); // runs at once, holds the owner
  const second = owner.ask("block", "b"); // queued: b and c form one batch
  const settled: string[] = [];
  const third = owner.ask("run", "c").then(
    () => settled.push("c ran"),
    (e: unknown) => settled.push(`c: ${(e as Error).message}`),
  );
  gates[0].resolve();
  assert.equal(await first, "a");
  await flushMicrotasks();
  assert.deepEqual(ran, ["a", "b"]); // b runs; c waits behind it in its batch
  const reason = new Error("stop");
  let stopped = false;
  const aborted = owner.abort(reason).then(() => (stopped = true));
  await flushMicrotasks();
  assert.deepEqual(settled, ["c: stop"]); // before b finishes
  assert.equal(stopped, false); // the running handler finishes first
  gates[1].resolve();
  assert.equal(await second, "b");
  await aborted;
  await third;
  assert.deepEqual(ran, ["a", "b"]);
  await assert.rejects(owner.ask("run", "d"), ClosedError);
});

test("Owner.abort() without a reason rejects the commands behind a batched handler with ClosedError naming each", async () => {
  const { gates, owner } = blocking();
  const first = owner.ask("block", "a");
  const second = owner.ask("block", "b");
  const errors: unknown[] = [];
  const rest = [owner.ask("run", "c"), owner.ask("run", "d")].map((p) =>
    p.catch((e: unknown) => errors.push(e))
  );
  gates[0].resolve();
  await first;
  await flushMicrotasks();
  const aborted = owner.abort();
  await flushMicrotasks();
  assert.equal(errors.length, 2);
  for (const [i, error] of errors.entries()) {
    assert.ok(error instanceof ClosedError);
    assert.deepEqual(error.command, { op: "run", args: [["c", "d"][i]] });
    assert.match(error.message, /"run" was not run: the owner was aborted/);
  }
  gates[1].resolve();
  assert.equal(await second, "b");
  await Promise.all([aborted, ...rest]);
});

test("Owner.stats() after abort() counts nothing queued or waiting, and every abandoned command as rejected", async () => {
  const { gates, owner } = blocking();
  const first = owner.ask("block", "a");
  const queued = [owner.ask("run", "b"), owner.ask("run", "c")];
  await flushMicrotasks();
  assert.equal(owner.stats().queued, 2);
  owner.abort(new Error("stop"));
  assert.equal(owner.stats().queued, 0);
  assert.equal(owner.stats().waiting, 0);
  for (const p of queued) await assert.rejects(p, { message: "stop" });
  gates[0].resolve();
  await first.catch(() => {});
  await owner.closed;
  const stats = owner.stats();
  assert.equal(stats.queued, 0);
  assert.equal(stats.running, undefined);
  assert.equal(stats.rejected + stats.settled, 3);
});

test("Owner.stats() keeps highWaterMark commands queued and the rest waiting as each command starts", async () => {
  const gates: ReturnType<typeof deferred<void>>[] = [];
  const owner = new Owner({}, {
    block: () => {
      const gate = deferred();
      gates.push(gate);
      return gate.promise;
    },
  }, { highWaterMark: 2 });
  const all = [owner.ask("block")];
  for (let i = 0; i < 6; i++) all.push(owner.ask("block"));
  await flushMicrotasks();
  assert.deepEqual(
    [owner.stats().queued, owner.stats().waiting],
    [2, 4],
  );
  for (let started = 1; started < 7; started++) {
    gates[started - 1].resolve();
    await flushMicrotasks();
    assert.equal(gates.length, started + 1); // the next one runs
    const { queued, waiting } = owner.stats();
    const left = 6 - started;
    assert.deepEqual([queued, waiting], [
      Math.min(2, left),
      left - Math.min(2, left),
    ]);
  }
  gates[6].resolve();
  await Promise.all(all);
  await owner.close();
});
