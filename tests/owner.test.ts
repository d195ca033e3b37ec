import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, OverflowError, Owner, TimeoutError } from "../mod.ts";
import { collect, deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

test("Owner.ask() resolves the handler's result, typed", async () => {
  const counter = new Owner({ n: 0 }, {
    add(state, by: number) {
      state.n += by;
      return state.n;
    },
    get: (state) => state.n,
  });
  assert.equal(await counter.ask("add", 2), 2);
  assert.equal(await counter.ask("add", 3), 5);
  assert.equal(await counter.ask("get"), 5);
  await counter.close();
});

test("Owner.ask() runs commands in the order they were sent", async () => {
  const log: number[] = [];
  const owner = new Owner(log, { push: (s, n: number) => s.push(n) });
  await Promise.all(
    Array.from({ length: 100 }, (_, i) => owner.ask("push", i)),
  );
  assert.deepEqual(log, Array.from({ length: 100 }, (_, i) => i));
  await owner.close();
});

test("Owner.ask() on an idle owner runs the handler at once, as a write() to an idle WritableStream runs its sink", async () => {
  const log: string[] = [];
  const owner = new Owner({}, { run: () => log.push("handler") });
  const reply = owner.ask("run");
  log.push("caller");
  assert.ok(reply instanceof Promise); // the reply is still a promise
  assert.equal(await reply, 1);
  assert.deepEqual(log, ["handler", "caller"]);
  await owner.close();
});

test("Owner.ask() on a busy owner queues: the handler runs after the one running, not in the caller's stack", async () => {
  const log: string[] = [];
  const gate = deferred();
  const owner = new Owner({}, {
    async slow() {
      await gate.promise;
      log.push("slow");
    },
    run: () => void log.push("handler"),
  });
  const slow = owner.ask("slow");
  const reply = owner.ask("run");
  log.push("caller");
  gate.resolve();
  await Promise.all([slow, reply]);
  assert.deepEqual(log, ["caller", "slow", "handler"]);
  await owner.close();
});

test("Owner.ask() from another owner's handler is queued, not run nested in it", async () => {
  const log: string[] = [];
  const inner = new Owner({}, { run: () => void log.push("inner") });
  let sent: Promise<void> | undefined;
  const outer = new Owner({}, {
    run() {
      sent = inner.ask("run");
      log.push("outer done");
    },
  });
  await outer.ask("run");
  await sent;
  assert.deepEqual(log, ["outer done", "inner"]);
  await Promise.all([inner.close(), outer.close()]);
});

test("Owner: 50 concurrent read-await-write handlers lose no update", async () => {
  const owner = new Owner({ n: 0 }, {
    async increment(state) {
      const read = state.n; // check ...
      await new Promise((resolve) => setTimeout(resolve, 0)); // ... await ...
      state.n = read + 1; // ... act: a lost update without an owner
      return state.n;
    },
    get: (state) => state.n,
  });
  const replies = await Promise.all(
    Array.from({ length: 50 }, () => owner.ask("increment")),
  );
  assert.equal(await owner.ask("get"), 50);
  assert.deepEqual(replies, Array.from({ length: 50 }, (_, i) => i + 1));
  await owner.close();
});

test("Owner: the same read-await-write without an owner does lose updates", async () => {
  // The control experiment: shows the race the test above rules out.
  const state = { n: 0 };
  await Promise.all(Array.from({ length: 50 }, async () => {
    const read = state.n;
    await new Promise((resolve) => setTimeout(resolve, 0));
    state.n = read + 1;
  }));
  assert.ok(state.n < 50);
});

test("Owner: an async handler finishes before the next command starts", async () => {
  const log: string[] = [];
  const gate = deferred();
  const owner = new Owner({}, {
    async slow() {
      log.push("slow:start");
      await gate.promise;
      log.push("slow:end");
    },
    fast: () => log.push("fast"),
  });
  const slow = owner.ask("slow");
  const fast = owner.ask("fast");
  await flushMicrotasks();
  assert.deepEqual(log, ["slow:start"]);
  gate.resolve();
  await Promise.all([slow, fast]);
  assert.deepEqual(log, ["slow:start", "slow:end", "fast"]);
  await owner.close();
});

test("Owner.ask() rejects when the handler throws, and the owner serves on", async () => {
  const owner = new Owner({ n: 0 }, {
    fail() {
      throw new RangeError("nope");
    },
    async failLater() {
      await null;
      throw new Error("later");
    },
    inc: (s) => ++s.n,
  });
  const results = await Promise.allSettled([
    owner.ask("inc"),
    owner.ask("fail"),
    owner.ask("inc"),
    owner.ask("failLater"),
    owner.ask("inc"),
  ]);
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "rejected",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  assert.ok((results[1] as PromiseRejectedResult).reason instanceof RangeError);
  assert.equal((results[3] as PromiseRejectedResult).reason.message, "later");
  assert.equal(await owner.ask("inc"), 4);
  await owner.close();
});

test("Owner.ask() rejects an unknown op with a TypeError naming the known ones", async () => {
  const owner = new Owner({}, { a: () => 1, b: () => 2 });
  const untyped = owner as unknown as { ask(op: string): Promise<unknown> };
  await assert.rejects(untyped.ask("zzz"), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /"zzz".*known: a, b/);
    return true;
  });
  assert.equal(await owner.ask("a"), 1);
  await owner.close();
});

test("new Owner() throws a TypeError for handlers that are not functions", () => {
  assert.throws(
    () => new Owner({}, { ok: () => 1, bad: 5 } as never),
    {
      name: "TypeError",
      message: /handler "bad" must be a function, received 5/,
    },
  );
  assert.throws(() => new Owner({}, null as never), TypeError);
});

test("new Owner() throws a RangeError for a bad highWaterMark", () => {
  assert.throws(
    () => new Owner({}, {}, { highWaterMark: 3.5 }),
    {
      name: "RangeError",
      message: /highWaterMark must be a positive integer, received 3.5/,
    },
  );
  assert.throws(
    () => new Owner({}, {}, { overflow: "drop" as never }),
    TypeError,
  );
  assert.throws(() => new Owner({}, {}, { timeout: -1 }), RangeError);
});

test("Owner.stream() streams a sync iterable's values as a snapshot", async () => {
  const owner = new Owner({ items: [1, 2, 3] }, {
    all: (state) => state.items,
    push: (state, n: number) => state.items.push(n),
  });
  const stream = owner.stream("all");
  const after = owner.ask("push", 4); // sent after: not in the snapshot
  assert.deepEqual(await collect(stream), [1, 2, 3]);
  await after;
  assert.deepEqual(await collect(owner.stream("all")), [1, 2, 3, 4]);
  await owner.close();
});

test("Owner.stream() streams an async generator's values", async () => {
  const owner = new Owner({ n: 3 }, {
    async *count(state, from: number) {
      for (let i = from; i < state.n; i++) {
        await null;
        yield i;
      }
    },
  });
  assert.deepEqual(await collect(owner.stream("count", 0)), [0, 1, 2]);
  await owner.close();
});

test("Owner.stream() errors the stream when the handler does not return an iterable", async () => {
  const owner = new Owner({}, { bad: () => 5 as unknown as number[] });
  await assert.rejects(collect(owner.stream("bad")), {
    name: "TypeError",
    message: /must return an iterable.*received 5/,
  });
  await owner.close();
});

test("Owner.stream() of 100k values never blocks the owner on a slow reader", async () => {
  const owner = new Owner({
    items: Array.from({ length: 100_000 }, (_, i) => i),
  }, {
    all: (state) => state.items,
    size: (state) => state.items.length,
  });
  const stream = owner.stream("all");
  // Nobody reads the stream; the owner still answers.
  assert.equal(await owner.ask("size"), 100_000);
  const values = await collect(stream);
  assert.equal(values.length, 100_000);
  assert.equal(values[99_999], 99_999);
  await owner.close();
});

test("Owner.stream() cancelled before it runs never runs the handler", async () => {
  let runs = 0;
  const gate = deferred();
  const owner = new Owner({}, {
    block: () => gate.promise,
    list: () => {
      runs++;
      return [1];
    },
  });
  const blocked = owner.ask("block");
  const stream = owner.stream("list");
  await stream.cancel();
  gate.resolve();
  await blocked;
  await owner.close();
  assert.equal(runs, 0);
});

test("Owner.with({ signal }) aborted while queued: the handler never runs", async () => {
  let runs = 0;
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => ++runs });
  const blocked = owner.ask("block");
  const controller = new AbortController();
  const reply = owner.with({ signal: controller.signal }).ask("run");
  const reason = new Error("changed my mind");
  controller.abort(reason);
  await assert.rejects(reply, (error) => error === reason);
  gate.resolve();
  await blocked;
  await owner.close();
  assert.equal(runs, 0);
});

test("Owner.with({ signal }) already aborted: rejects with the reason, nothing runs", async () => {
  let runs = 0;
  const owner = new Owner({}, { run: () => ++runs });
  const reason = new Error("before");
  const reply = owner.with({ signal: AbortSignal.abort(reason) }).ask("run");
  await assert.rejects(reply, (error) => error === reason);
  await owner.close();
  assert.equal(runs, 0);
});

test("Owner.with({ signal }) aborted while running: the reply rejects at once, the next command waits", async () => {
  const gate = deferred();
  const log: string[] = [];
  const owner = new Owner({}, {
    async slow() {
      await gate.promise;
      log.push("slow done");
      return "late";
    },
    next: () => log.push("next"),
  });
  const controller = new AbortController();
  const slow = owner.with({ signal: controller.signal }).ask("slow");
  const next = owner.ask("next");
  await flushMicrotasks();
  controller.abort(new Error("stop"));
  await assert.rejects(slow, { message: "stop" });
  assert.deepEqual(log, []); // the running handler still holds the owner
  gate.resolve();
  await next;
  assert.deepEqual(log, ["slow done", "next"]);
  await owner.close();
});

test("Owner.with({ timeout }) rejects with TimeoutError carrying the command", async () => {
  const clock = manualClock();
  const gate = deferred();
  const owner = new Owner({}, {
    slow: (_s, label: string) => gate.promise.then(() => label),
  }, {
    clock,
  });
  const reply = owner.with({ timeout: 50 }).ask("slow", "x");
  await flushMicrotasks();
  clock.advance(49);
  await flushMicrotasks();
  clock.advance(1);
  await assert.rejects(reply, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 50);
    assert.deepEqual(error.command, { op: "slow", args: ["x"] });
    return true;
  });
  gate.resolve();
  await owner.close();
  assert.equal(clock.pending(), 0);
});

test("Owner: a command that settles in time clears its timer", async () => {
  const clock = manualClock();
  const owner = new Owner({}, { fast: () => 1 }, { clock, timeout: 1000 });
  assert.equal(await owner.ask("fast"), 1);
  assert.equal(clock.pending(), 0);
  await owner.close();
});

test("Owner.close() runs what is queued, then refuses with ClosedError", async () => {
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n });
  const queued = [owner.ask("inc"), owner.ask("inc"), owner.ask("inc")];
  const closed = owner.close();
  await assert.rejects(owner.ask("inc"), (error: unknown) => {
    assert.ok(error instanceof ClosedError);
    assert.deepEqual(error.command, { op: "inc", args: [] });
    return true;
  });
  assert.deepEqual(await Promise.all(queued), [1, 2, 3]);
  await closed;
  await assert.rejects(owner.ask("inc"), ClosedError);
});

test("Owner.close() is idempotent and resolves closed", async () => {
  const owner = new Owner({}, {});
  const a = owner.close();
  const b = owner.close();
  await Promise.all([a, b, owner.closed]);
});

test("Owner.close() on an owner that never ran a command resolves", async () => {
  const owner = new Owner({}, { a: () => 1 });
  await owner.close();
  await assert.rejects(owner.ask("a"), ClosedError);
});

test("Owner.abort() rejects everything queued with the reason", async () => {
  const gate = deferred();
  let runs = 0;
  const owner = new Owner({}, { block: () => gate.promise, run: () => ++runs });
  const running = owner.ask("block");
  const queued = [owner.ask("run"), owner.ask("run")];
  await flushMicrotasks();
  const reason = new Error("shutdown");
  const aborted = owner.abort(reason);
  for (const reply of queued) await assert.rejects(reply, (e) => e === reason);
  gate.resolve();
  await running; // a running handler finishes and replies
  await aborted;
  assert.equal(runs, 0);
  await assert.rejects(owner.ask("run"), ClosedError);
});

test("Owner.abort() without a reason rejects queued commands with ClosedError", async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => 1 });
  void owner.ask("block");
  const reply = owner.ask("run");
  const aborted = owner.abort();
  gate.resolve();
  await aborted;
  await assert.rejects(reply, (error: unknown) => {
    assert.ok(error instanceof ClosedError);
    assert.deepEqual(error.command, { op: "run", args: [] });
    return true;
  });
});

test("Owner options.signal aborts the owner", async () => {
  const controller = new AbortController();
  const owner = new Owner({}, { run: () => 1 }, { signal: controller.signal });
  assert.equal(await owner.ask("run"), 1);
  controller.abort(new Error("bye"));
  await owner.closed;
  await assert.rejects(owner.ask("run"), ClosedError);
});

test('Owner with overflow: "reject" refuses past highWaterMark with OverflowError', async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => "ran" }, {
    highWaterMark: 2,
    overflow: "reject",
  });
  const a = owner.ask("block");
  const b = owner.ask("run");
  const c = owner.ask("run"); // two wait behind the running one
  await assert.rejects(owner.ask("run"), (error: unknown) => {
    assert.ok(error instanceof OverflowError);
    assert.equal(error.limit, 2);
    assert.deepEqual(error.command, { op: "run", args: [] });
    return true;
  });
  gate.resolve();
  await a;
  assert.equal(await b, "ran");
  assert.equal(await c, "ran");
  assert.equal(await owner.ask("run"), "ran"); // room again
  await owner.close();
});

test('Owner with overflow: "wait" holds commands past highWaterMark and runs them all in order', async () => {
  const log: number[] = [];
  const gate = deferred();
  const owner = new Owner(log, {
    block: () => gate.promise,
    push: (s, n: number) => s.push(n),
  }, { highWaterMark: 4 });
  const blocked = owner.ask("block");
  const replies = Array.from({ length: 100 }, (_, i) => owner.ask("push", i));
  await flushMicrotasks();
  assert.deepEqual(log, []);
  gate.resolve();
  await Promise.all([blocked, ...replies]);
  assert.deepEqual(log, Array.from({ length: 100 }, (_, i) => i));
  await owner.close();
});

test("Owner.close() also runs commands waiting for room", async () => {
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, {
    highWaterMark: 1,
  });
  const replies = Array.from({ length: 10 }, () => owner.ask("inc"));
  await owner.close();
  assert.deepEqual(await Promise.all(replies), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test("Owner: every command ends exactly once under abort racing timeouts and signals", async () => {
  const clock = manualClock();
  const owner = new Owner({}, { run: (_s, i: number) => i }, {
    clock,
    highWaterMark: 8,
  });
  const controller = new AbortController();
  const settled: string[] = [];
  const replies = Array.from({ length: 40 }, (_, i) => {
    const handle = i % 3 === 0
      ? owner.with({ signal: controller.signal })
      : i % 3 === 1
      ? owner.with({ timeout: 5 })
      : owner;
    return handle.ask("run", i).then(
      () => settled.push(`ok ${i}`),
      () => settled.push(`err ${i}`),
    );
  });
  controller.abort();
  clock.advance(5);
  await owner.abort(new Error("done"));
  clock.advance(100);
  await Promise.all(replies);
  assert.equal(settled.length, 40);
  assert.equal(new Set(settled.map((s) => s.split(" ")[1])).size, 40);
});

test("Owner implements await using", async () => {
  let owner!: Owner<{ n: number }, { inc: (s: { n: number }) => number }>;
  {
    await using scoped = new Owner({ n: 0 }, {
      inc: (s: { n: number }) => ++s.n,
    });
    owner = scoped;
    await scoped.ask("inc");
  }
  await assert.rejects(owner.ask("inc"), ClosedError);
});
