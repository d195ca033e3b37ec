// An idle owner runs a command inside the call, as a write() to an idle
// WritableStream runs its sink; a busy one queues it. These tests pin the
// contract across the two paths: order, one handler at a time, timeouts,
// signals, close and abort, and what errors report.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ClosedError,
  Owner,
  ReentrancyError,
  Store,
  TimeoutError,
} from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

test("Owner: a sync handler on an idle owner arms no timer, even with a timeout", async () => {
  const clock = manualClock();
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, {
    clock,
    timeout: 50,
  });
  const timed = owner.with({ timeout: 10 });
  assert.equal(await timed.ask("inc"), 1);
  assert.equal(await owner.ask("inc"), 2);
  assert.equal(clock.pending(), 0);
  await owner.close();
});

test("Owner: an async handler run at once holds the owner until it settles; later commands queue in order", async () => {
  const gate = deferred();
  const log: string[] = [];
  const owner = new Owner({}, {
    async slow() {
      log.push("slow start");
      await gate.promise;
      log.push("slow end");
      return "slow";
    },
    fast: (_, n: number) => {
      log.push(`fast ${n}`);
      return n;
    },
  });
  const slow = owner.ask("slow");
  assert.deepEqual(log, ["slow start"]); // ran at once
  const fast = [owner.ask("fast", 1), owner.ask("fast", 2)];
  await flushMicrotasks();
  assert.deepEqual(log, ["slow start"]); // queued behind it
  gate.resolve();
  assert.equal(await slow, "slow");
  assert.deepEqual(await Promise.all(fast), [1, 2]);
  assert.deepEqual(log, ["slow start", "slow end", "fast 1", "fast 2"]);
  assert.equal(await owner.ask("fast", 3), 3); // idle again: at once
  await owner.close();
});

test("Owner.with({ timeout }): an async handler run at once still times out, and the owner waits for it", async () => {
  const clock = manualClock();
  const gate = deferred();
  const owner = new Owner({}, {
    slow: () => gate.promise,
    fast: () => "fast",
  }, { clock });
  const slow = owner.with({ timeout: 10 }).ask("slow");
  const fast = owner.ask("fast");
  clock.advance(10);
  await assert.rejects(slow, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 10);
    assert.deepEqual(error.command, { op: "slow", args: [] });
    return true;
  });
  let ran = false;
  void fast.then(() => (ran = true));
  await flushMicrotasks();
  assert.equal(ran, false); // one handler at a time: slow still runs
  gate.resolve();
  assert.equal(await fast, "fast");
  assert.equal(clock.pending(), 0);
  await owner.close();
});

test("Owner.with({ signal }): aborting while an async handler run at once is running rejects its reply with the reason", async () => {
  const controller = new AbortController();
  const gate = deferred();
  const owner = new Owner({}, { slow: () => gate.promise });
  const reply = owner.with({ signal: controller.signal }).ask("slow");
  const reason = new Error("caller gave up");
  controller.abort(reason);
  await assert.rejects(reply, (e) => e === reason);
  gate.resolve();
  await owner.close();
});

test("Store: get, set and has on an idle store reject with the reason of an already-aborted signal", async () => {
  const store = new Store([["a", 1]]);
  const reason = new Error("no");
  const view = store.with({ signal: AbortSignal.abort(reason) });
  await assert.rejects(view.get("a"), (e) => e === reason);
  await assert.rejects(view.set("a", 2), (e) => e === reason);
  await assert.rejects(view.has("a"), (e) => e === reason);
  assert.equal(await store.get("a"), 1); // the set never ran
  await store.close();
});

test("Store: get, set and has on a closed store reject with ClosedError carrying the command", async () => {
  const store = new Store<string, number>();
  await store.close();
  for (
    const [reply, op, args] of [
      [store.get("a"), "get", ["a"]],
      [store.set("a", 1), "set", ["a", 1]],
      [store.has("a"), "has", ["a"]],
    ] as const
  ) {
    await assert.rejects(reply, (error: unknown) => {
      assert.ok(error instanceof ClosedError);
      assert.deepEqual(error.command, { op, args });
      return true;
    });
  }
});

test("Store.get() from inside the store's own update() is refused with ReentrancyError", async () => {
  const store = new Store([["a", 1]]);
  let inner: Promise<unknown> | undefined;
  await store.update("a", (v = 0) => {
    inner = store.get("a");
    return v + 1;
  });
  await assert.rejects(inner!, ReentrancyError);
  assert.equal(await store.get("a"), 2);
  await store.close();
});

test("Store: a set while an async update runs waits for it, then wins", async () => {
  const store = new Store([["a", 1]]);
  const gate = deferred();
  const update = store.update("a", async (v = 0) => {
    await gate.promise;
    return v + 10;
  });
  const set = store.set("a", 5);
  const read = store.get("a");
  gate.resolve();
  assert.equal(await update, 11);
  await set;
  assert.equal(await read, 5);
  await store.close();
});

test("Owner: a handler that closes its own owner gets its reply, and the owner stops after it", async () => {
  const order: string[] = [];
  const owner = new Owner({}, {
    shutdown() {
      void owner.close().then(() => order.push("closed"));
      return "bye";
    },
  });
  const reply = owner.ask("shutdown").then((v) => order.push(v));
  await Promise.all([reply, owner.closed]);
  await flushMicrotasks();
  assert.deepEqual(order, ["bye", "closed"]);
  await assert.rejects(owner.ask("shutdown"), ClosedError);
});

test("Owner: a handler that aborts its own owner gets its reply; later sends are refused", async () => {
  const owner = new Owner({}, {
    stop() {
      void owner.abort(new Error("stopped"));
      return "done";
    },
  });
  assert.equal(await owner.ask("stop"), "done");
  await owner.closed;
  await assert.rejects(owner.ask("stop"), ClosedError);
});

test("Owner options.handlerTimeout: the error names the abandoned command, not the ones run after it", async () => {
  const clock = manualClock();
  const errors: unknown[] = [];
  const owner = new Owner({}, {
    hang: (_, _n: number) => new Promise<never>(() => {}),
    echo: (_, n: number) => n,
  }, { clock, handlerTimeout: 5, onError: (e) => errors.push(e) });
  const hung = owner.ask("hang", 1);
  const queued = owner.ask("echo", 2);
  clock.advance(5);
  await assert.rejects(hung, TimeoutError);
  assert.equal(await queued, 2);
  assert.equal(await owner.ask("echo", 3), 3); // at once, on a fresh command
  const [error] = errors;
  assert.ok(error instanceof TimeoutError);
  assert.deepEqual(error.command, { op: "hang", args: [1] });
  await owner.close();
});

test("Owner: a raw write queued on the writable keeps its place before a later ask()", async () => {
  const log: string[] = [];
  const owner = new Owner({}, {
    run: (_, name: string) => void log.push(name),
  });
  const writer = owner.writable.getWriter();
  const raw = deferred<unknown>();
  await writer.write({ op: "run", args: ["raw"], reply: raw });
  const asked = owner.ask("run", "ask");
  await Promise.all([raw.promise, asked]);
  assert.deepEqual(log, ["raw", "ask"]);
  writer.releaseLock();
  await owner.close();
});

test("Owner: a handler result whose then getter throws fails that command only, idle or queued", async () => {
  const boom = new Error("then getter");
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    hostile: () => ({
      get then(): never {
        throw boom;
      },
    }),
    block: () => gate.promise,
    inc: (s) => ++s.n,
  });
  const idle = owner.ask("hostile"); // must not throw here
  await assert.rejects(idle, (e) => e === boom);
  const blocked = owner.ask("block");
  const queued = owner.ask("hostile");
  const after = owner.ask("inc");
  gate.resolve();
  await blocked;
  await assert.rejects(queued, (e) => e === boom);
  assert.equal(await after, 1);
  await owner.close();
});
