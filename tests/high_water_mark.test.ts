// highWaterMark counts the commands waiting, not the one running: like a Go
// channel's buffer, highWaterMark 1 means one command running plus one
// waiting; the next is refused (overflow "reject") or waits ("wait").
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, OverflowError, Owner, Store } from "../mod.ts";
import { connect, serve } from "../src/workers/mod.ts";
import { deferred, flushMicrotasks } from "./_helpers.ts";

function gated() {
  const gates: ReturnType<typeof deferred<void>>[] = [];
  const log: string[] = [];
  const started = deferred();
  const owner = (overflow: "wait" | "reject") =>
    new Owner(log, {
      block: (s, name: string) => {
        const gate = deferred();
        gates.push(gate);
        started.resolve();
        return gate.promise.then(() => s.push(name));
      },
      run: (s, name: string) => s.push(name),
    }, { highWaterMark: 1, overflow });
  return { gates, log, owner, started };
}

function assertOverflow(error: unknown, op: string, args: unknown[]): true {
  assert.ok(error instanceof OverflowError);
  assert.equal(error.limit, 1);
  assert.deepEqual(error.command, { op, args });
  return true;
}

test('Owner with highWaterMark 1, overflow "reject": an async command running inline plus one waiting; the third is refused', async () => {
  const { gates, log, owner } = gated();
  const o = owner("reject");
  const first = o.ask("block", "a"); // runs inline, holds the owner
  const second = o.ask("run", "b"); // waits: the one buffered slot
  await assert.rejects(
    o.ask("run", "c"),
    (e: unknown) => assertOverflow(e, "run", ["c"]),
  );
  gates[0].resolve();
  assert.equal(await first, 1);
  assert.equal(await second, 2);
  assert.deepEqual(log, ["a", "b"]);
  await o.close();
});

test('Owner with highWaterMark 1, overflow "wait": the third command waits until the second starts, and all run in order', async () => {
  const { gates, log, owner } = gated();
  const o = owner("wait");
  const replies = [o.ask("block", "a"), o.ask("run", "b"), o.ask("run", "c")];
  await flushMicrotasks();
  assert.deepEqual(log, []);
  gates[0].resolve();
  assert.deepEqual(await Promise.all(replies), [1, 2, 3]);
  assert.deepEqual(log, ["a", "b", "c"]);
  await o.close();
});

test('Owner with highWaterMark 1, overflow "reject": a command running in a batch does not count; one more may wait behind it', async () => {
  const { gates, log, owner } = gated();
  const o = owner("reject");
  const a = o.ask("block", "a"); // inline
  const b = o.ask("block", "b"); // waits, then runs in the stream's batch
  gates[0].resolve();
  await a;
  await flushMicrotasks();
  assert.equal(gates.length, 2); // b is running
  const c = o.ask("run", "c"); // waits behind b
  await assert.rejects(
    o.ask("run", "d"),
    (e: unknown) => assertOverflow(e, "run", ["d"]),
  );
  gates[1].resolve();
  assert.deepEqual(await Promise.all([b, c]), [2, 3]);
  assert.deepEqual(log, ["a", "b", "c"]);
  await o.close();
});

test('Owner with highWaterMark 1, overflow "wait": behind a command running in a batch, one is queued and the next waits, in order', async () => {
  const { gates, log, owner } = gated();
  const o = owner("wait");
  const a = o.ask("block", "a");
  const b = o.ask("block", "b");
  gates[0].resolve();
  await a;
  await flushMicrotasks();
  assert.equal(gates.length, 2);
  const rest = [o.ask("run", "c"), o.ask("run", "d"), o.ask("run", "e")];
  await flushMicrotasks();
  assert.deepEqual(log, ["a"]);
  gates[1].resolve();
  assert.deepEqual(await Promise.all([b, ...rest]), [2, 3, 4, 5]);
  assert.deepEqual(log, ["a", "b", "c", "d", "e"]);
  await o.close();
});

test("Owner.writable with highWaterMark 1: a raw write is accepted while a command runs; the next waits for room", async () => {
  for (const where of ["inline", "batch"]) {
    const { gates, log, owner } = gated();
    const o = owner("reject");
    const a = o.ask("block", "a");
    let running = a;
    if (where === "batch") {
      running = o.ask("block", "b");
      gates[0].resolve();
      await a;
      await flushMicrotasks();
      assert.equal(gates.length, 2);
    }
    const writer = o.writable.getWriter();
    const settled: unknown[] = [];
    const reply = {
      resolve: (v: unknown) => settled.push(v),
      reject: (e: unknown) => settled.push(e),
    };
    let accepted = 0;
    const first = writer.write({ op: "run", args: ["x"], reply }).then(() =>
      accepted++
    );
    const second = writer.write({ op: "run", args: ["y"], reply }).then(() =>
      accepted++
    );
    await flushMicrotasks();
    assert.equal(accepted, 1, `${where}: the first raw write is accepted`);
    gates[gates.length - 1].resolve();
    await running;
    await Promise.all([first, second]);
    writer.releaseLock();
    await o.close();
    const n = where === "batch" ? 2 : 1;
    assert.deepEqual(settled, [n + 1, n + 2]);
    assert.deepEqual(log.slice(n), ["x", "y"]);
  }
});

test('Store with highWaterMark 1, overflow "reject": one async update running plus one waiting; the third is refused', async () => {
  const gate = deferred();
  const store = new Store<string, number>([], {
    highWaterMark: 1,
    overflow: "reject",
  });
  const first = store.update("k", () => gate.promise.then(() => 1));
  const second = store.set("k", 2);
  await assert.rejects(store.set("k", 3), (e: unknown) => {
    assert.ok(e instanceof OverflowError);
    assert.equal(e.limit, 1);
    return true;
  });
  gate.resolve();
  await first;
  await second;
  assert.equal(await store.get("k"), 2);
  await store.close();
});

test('Machine with highWaterMark 1, overflow "reject": one async transition running plus one waiting; the third is refused', async () => {
  const gate = deferred();
  const machine = new Machine({
    initial: "off",
    context: { n: 0 },
    states: {
      off: { on: { go: { target: "on", action: () => gate.promise } } },
      on: { on: { go: { target: "off" } } },
    },
  }, { highWaterMark: 1, overflow: "reject" });
  const first = machine.send("go");
  const second = machine.send("go");
  await assert.rejects(machine.send("go"), (e: unknown) => {
    assert.ok(e instanceof OverflowError);
    assert.equal(e.limit, 1);
    return true;
  });
  gate.resolve();
  assert.equal(await first, "on");
  assert.equal(await second, "off");
  await machine.close();
});

test('serve() with highWaterMark 1, overflow "reject": a remote command running counts as running, not waiting', async () => {
  const { gates, log, owner, started } = gated();
  const o = owner("reject");
  const { port1, port2 } = new MessageChannel();
  const serving = serve(o, port1);
  const remote = connect<typeof o>(port2);
  const first = remote.ask("block", "a");
  await started.promise; // the remote command is running
  const second = o.ask("run", "b"); // the one waiting slot
  await assert.rejects(
    o.ask("run", "c"),
    (e: unknown) => assertOverflow(e, "run", ["c"]),
  );
  gates[0].resolve();
  assert.deepEqual(await Promise.all([first, second]), [1, 2]);
  assert.deepEqual(log, ["a", "b"]);
  await remote.close();
  await serving.close();
  await o.close();
  port1.close();
  port2.close();
});
