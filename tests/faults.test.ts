// Fault injection: handlers that throw, reject, never settle, mutate then
// throw, re-enter their owner; watchers that never read; readers that
// cancel; abort() and close() racing each other and in-flight commands.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ClosedError,
  Machine,
  OverflowError,
  Owner,
  ReentrancyError,
  Store,
  TimeoutError,
} from "../mod.ts";
import { collect, deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

type Counter = { n: number };

// ---------------------------------------------------------------- throwing

test("Owner: a handler that throws 42 rejects that command with 42, and the owner serves on", async () => {
  const owner = new Owner({ n: 0 }, {
    bad: (): number => {
      throw 42;
    },
    inc: (s: Counter) => ++s.n,
  });
  const bad = owner.ask("bad");
  const next = owner.ask("inc");
  await assert.rejects(bad, (e) => e === 42);
  assert.equal(await next, 1);
  await owner.close();
});

test("Owner: a handler that throws undefined rejects with undefined, not a fulfilled reply", async () => {
  const owner = new Owner({ n: 0 }, {
    bad: (): number => {
      throw undefined;
    },
    inc: (s: Counter) => ++s.n,
  });
  let outcome = "pending";
  await owner.ask("bad").then(
    () => (outcome = "fulfilled"),
    (
      e,
    ) => (outcome = e === undefined ? "rejected undefined" : "rejected other"),
  );
  assert.equal(outcome, "rejected undefined");
  assert.equal(await owner.ask("inc"), 1);
  await owner.close();
});

test("Owner: an async handler that rejects with a non-Error (null, a string) fails that command only", async () => {
  const owner = new Owner({ n: 0 }, {
    nul: (): Promise<number> => Promise.reject(null),
    str: async (): Promise<number> => {
      await Promise.resolve();
      throw "boom";
    },
    inc: (s: Counter) => ++s.n,
  });
  const replies = [owner.ask("nul"), owner.ask("str"), owner.ask("inc")];
  await assert.rejects(replies[0], (e) => e === null);
  await assert.rejects(replies[1], (e) => e === "boom");
  assert.equal(await replies[2], 1);
  await owner.close();
});

test("Owner: a handler returning a thenable that throws in then() fails that command only", async () => {
  const owner = new Owner({ n: 0 }, {
    weird: () => ({
      then() {
        throw new RangeError("bad thenable");
      },
    }),
    inc: (s: Counter) => ++s.n,
  });
  await assert.rejects(owner.ask("weird"), RangeError);
  assert.equal(await owner.ask("inc"), 1);
  await owner.close();
});

test("Owner: a handler that mutates then throws keeps the mutation (the owner does not snapshot state)", async () => {
  const owner = new Owner({ n: 0, log: [] as string[] }, {
    half(s) {
      s.n += 10;
      s.log.push("half");
      throw new Error("after mutating");
    },
    async halfAsync(s) {
      s.n += 100;
      await Promise.resolve();
      throw new Error("after mutating, async");
    },
    read: (s) => ({ n: s.n, log: [...s.log] }),
  });
  await assert.rejects(owner.ask("half"), { message: "after mutating" });
  await assert.rejects(owner.ask("halfAsync"), {
    message: "after mutating, async",
  });
  assert.deepEqual(await owner.ask("read"), { n: 110, log: ["half"] });
  await owner.close();
});

test("Store.update(): fn that throws, sync or async, leaves the value as it was (Store commits only on success)", async () => {
  const store = new Store<string, number>([["k", 1]]);
  const changes = store.watch("k");
  await assert.rejects(
    store.update("k", () => {
      throw 42;
    }),
    (e) => e === 42,
  );
  await assert.rejects(
    store.update("k", async () => {
      await Promise.resolve();
      throw undefined;
    }),
    (e) => e === undefined,
  );
  assert.equal(await store.get("k"), 1);
  await store.close();
  assert.deepEqual(await collect(changes), [1]); // no change was published
});

// ---------------------------------------------------------------- re-entrancy

test("Owner: a handler that asks its own owner synchronously gets a ReentrancyError, not a deadlock", async () => {
  const owner: Owner<Counter, {
    inc: (s: Counter) => number;
    nested: (s: Counter) => Promise<number>;
    fireAndForget: (s: Counter) => string;
  }> = new Owner({ n: 0 }, {
    inc: (s) => ++s.n,
    nested: () => owner.ask("inc"), // returning it would wait for itself
    fireAndForget() {
      const reply = owner.ask("inc");
      reply.catch(() => {});
      return "done";
    },
  });
  await assert.rejects(owner.ask("nested"), (error: unknown) => {
    assert.ok(error instanceof ReentrancyError);
    assert.equal(error.name, "ReentrancyError");
    assert.deepEqual(error.command, { op: "inc", args: [] });
    assert.match(
      error.message,
      /Cannot run "inc" from inside a handler of the same owner/,
    );
    return true;
  });
  assert.equal(await owner.ask("fireAndForget"), "done"); // refused too: n stays 0
  assert.equal(await owner.ask("inc"), 1);
  await owner.close();
});

test("Owner: re-entrant stream(), with() and Store commands from a handler are refused too", async () => {
  const store: Store<string, number> = new Store<string, number>([["a", 1]]);
  const errors: unknown[] = [];
  await store.update("a", (v = 0) => {
    store.get("a").catch((e) => errors.push(e));
    store.with({ timeout: 5 }).set("b", 2).catch((e) => errors.push(e));
    collect(store.entries()).catch((e) => errors.push(e));
    collect(store.watch("a")).catch((e) => errors.push(e));
    return v + 1;
  });
  await flushMicrotasks();
  assert.equal(errors.length, 4);
  for (const error of errors) assert.ok(error instanceof ReentrancyError);
  assert.deepEqual(
    errors.map((e) => (e as ReentrancyError).command?.op).sort(),
    [
      "entries",
      "get",
      "set",
      "watch",
    ],
  );
  assert.equal(await store.get("a"), 2);
  assert.equal(await store.has("b"), false);
  await store.close();
});

test("Owner: a streaming handler (generator) that re-enters is refused", async () => {
  const owner: Owner<Counter, {
    inc: (s: Counter) => number;
    gen: (s: Counter) => Generator<number>;
  }> = new Owner({ n: 0 }, {
    inc: (s) => ++s.n,
    *gen() {
      yield 1;
      const reply = owner.ask("inc");
      reply.catch(() => {});
      yield 2;
    },
  });
  assert.deepEqual(await collect(owner.stream("gen")), [1, 2]);
  assert.equal(await owner.ask("inc"), 1); // the re-entrant inc never ran
  await owner.close();
});

test("Owner: calls to another owner from a handler are not re-entrant and run", async () => {
  const other = new Owner({ n: 0 }, { inc: (s: Counter) => ++s.n });
  const owner = new Owner({}, { relay: () => other.ask("inc") });
  assert.equal(await owner.ask("relay"), 1);
  await Promise.all([owner.close(), other.close()]);
});

test("Owner: after an await, a call to the own owner is not detected: handlerTimeout reports the deadlock", async () => {
  const clock = manualClock();
  const reported: unknown[] = [];
  const owner: Owner<Counter, {
    inc: (s: Counter) => number;
    late: (s: Counter) => Promise<number>;
  }> = new Owner({ n: 0 }, {
    inc: (s) => ++s.n,
    async late() {
      await Promise.resolve();
      return await owner.ask("inc"); // queued behind this very handler
    },
  }, { clock, handlerTimeout: 50, onError: (e) => reported.push(e) });
  const late = owner.ask("late");
  await flushMicrotasks();
  clock.advance(50);
  await assert.rejects(late, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 50);
    assert.deepEqual(error.command, { op: "late", args: [] });
    return true;
  });
  assert.equal(reported.length, 1);
  assert.ok(reported[0] instanceof TimeoutError);
  assert.equal(await owner.ask("inc"), 2); // the owner moved on: the queued inc ran first
  await owner.close();
});

test("Owner: awaiting its own close() or a cycle through another owner deadlocks; handlerTimeout reports both", async () => {
  const clock = manualClock();
  const reported: string[] = [];
  const onError = (e: unknown) =>
    reported.push((e as TimeoutError).command?.op ?? "?");
  const selfClosing: Owner<
    Counter,
    { shutdown: (s: Counter) => Promise<void> }
  > = new Owner({ n: 0 }, {
    shutdown: async () => {
      await Promise.resolve();
      await selfClosing.close(); // waits for the queue, which waits for this handler
    },
  }, { clock, handlerTimeout: 10, onError });
  // A asks B, B asks A: A is busy awaiting B, so B's command waits behind A.
  let a!: Owner<
    Counter,
    { viaB: (s: Counter) => Promise<number>; inc: (s: Counter) => number }
  >;
  const b = new Owner({}, { back: () => a.ask("inc") });
  a = new Owner({ n: 0 }, { viaB: () => b.ask("back"), inc: (s) => ++s.n }, {
    clock,
    handlerTimeout: 10,
    onError,
  });
  const shutdown = selfClosing.ask("shutdown");
  const cycle = a.ask("viaB");
  await flushMicrotasks();
  clock.advance(10);
  await assert.rejects(shutdown, TimeoutError);
  await assert.rejects(cycle, TimeoutError);
  assert.deepEqual(reported.sort(), ["shutdown", "viaB"]);
  await selfClosing.closed; // after moving on, close() could finish
  await a.close();
  await b.close();
});

// ---------------------------------------------------------------- handlerTimeout

test("Owner options.handlerTimeout: a stuck handler is rejected with TimeoutError, reported, and the owner moves on", async () => {
  const clock = manualClock();
  const reported: unknown[] = [];
  const stuck = deferred<string>();
  const owner = new Owner({ log: [] as string[] }, {
    stuck: () => stuck.promise,
    push: (s, x: string) => s.log.push(x),
    read: (s) => [...s.log],
  }, { clock, handlerTimeout: 100, onError: (e) => reported.push(e) });
  const first = owner.ask("stuck");
  const second = owner.ask("push", "b");
  await flushMicrotasks();
  assert.equal(clock.pending(), 1);
  clock.advance(99);
  await flushMicrotasks();
  assert.deepEqual(reported, []);
  clock.advance(1);
  await assert.rejects(first, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 100);
    assert.match(
      error.message,
      /Handler "stuck" ran longer than 100 ms \(handlerTimeout\)/,
    );
    return true;
  });
  assert.equal(reported.length, 1);
  assert.equal((reported[0] as TimeoutError).command?.op, "stuck");
  assert.equal(await second, 1);
  stuck.resolve("too late"); // ignored: the command already ended
  await flushMicrotasks();
  assert.deepEqual(await owner.ask("read"), ["b"]);
  assert.equal(clock.pending(), 0);
  await owner.close();
});

test("Owner options.handlerTimeout: handlers that finish in time are unaffected and leave no timer", async () => {
  const clock = manualClock();
  const owner = new Owner({ n: 0 }, {
    inc: async (s: Counter) => {
      await Promise.resolve();
      return ++s.n;
    },
    fail: async (): Promise<number> => {
      await Promise.resolve();
      throw new Error("own error");
    },
    sync: (s: Counter) => s.n,
  }, { clock, handlerTimeout: 10, onError: () => assert.fail("no report") });
  assert.deepEqual(
    await Promise.all([owner.ask("inc"), owner.ask("inc"), owner.ask("sync")]),
    [1, 2, 2],
  );
  await assert.rejects(owner.ask("fail"), { message: "own error" });
  assert.equal(clock.pending(), 0);
  await owner.close();
});

test("Owner options.handlerTimeout lets close() and abort() finish despite a handler that never settles", async () => {
  const clock = manualClock();
  const never = new Promise<never>(() => {});
  const closing = new Owner({}, { hang: () => never, run: () => 1 }, {
    clock,
    handlerTimeout: 5,
    onError: () => {},
  });
  const hung = closing.ask("hang");
  const queued = closing.ask("run");
  const closed = closing.close();
  await flushMicrotasks();
  clock.advance(5);
  await assert.rejects(hung, TimeoutError);
  assert.equal(await queued, 1);
  await closed;

  const aborting = new Owner({}, { hang: () => never, run: () => 1 }, {
    clock,
    handlerTimeout: 5,
    onError: () => {},
  });
  const hung2 = aborting.ask("hang");
  const queued2 = aborting.ask("run");
  await flushMicrotasks();
  const aborted = aborting.abort(new Error("stop"));
  await assert.rejects(queued2, { message: "stop" });
  clock.advance(5);
  await assert.rejects(hung2, TimeoutError);
  await aborted;
});

test("Owner options.handlerTimeout: an onError that throws does not stall the owner", async () => {
  const clock = manualClock();
  const owner = new Owner({}, {
    hang: () => new Promise(() => {}),
    run: () => "ran",
  }, {
    clock,
    handlerTimeout: 1,
    onError: () => {
      throw new Error("onError broke");
    },
  });
  const hung = owner.ask("hang");
  const next = owner.ask("run");
  await flushMicrotasks();
  clock.advance(1);
  await assert.rejects(hung, TimeoutError);
  assert.equal(await next, "ran");
  await owner.close();
});

test("new Owner() rejects a bad handlerTimeout with a RangeError, or a TypeError if not a number", () => {
  for (const bad of [-1, Number.NaN, "5", null]) {
    assert.throws(() => new Owner({}, {}, { handlerTimeout: bad as never }), {
      name: typeof bad === "number" ? "RangeError" : "TypeError",
      message:
        /Cannot create Owner: handlerTimeout must be a non-negative number/,
    });
  }
  assert.throws(() => new Store([], { handlerTimeout: -5 }), RangeError);
});

// ---------------------------------------------------------------- never settling

test("Owner: a never-settling handler holds the owner, but per-command signal and timeout free its callers", async () => {
  const clock = manualClock();
  let runs = 0;
  const owner = new Owner({}, {
    hang: () => new Promise<never>(() => {}),
    run: () => ++runs,
  }, { clock });
  const controller = new AbortController();
  const hung = owner.with({ signal: controller.signal }).ask("hang");
  const queued = owner.with({ timeout: 10 }).ask("run");
  await flushMicrotasks();
  controller.abort(new Error("gave up"));
  await assert.rejects(hung, { message: "gave up" });
  clock.advance(10);
  await assert.rejects(queued, TimeoutError);
  assert.equal(runs, 0); // the owner never ran anything past the stuck handler
  // Without handlerTimeout, close() waits for the handler: it stays pending.
  let closed = false;
  owner.close().then(() => (closed = true));
  await flushMicrotasks();
  assert.equal(closed, false);
  await assert.rejects(owner.ask("run"), ClosedError);
});

test("Owner.abort() while a never-settling handler runs rejects the queue at once; closed waits for the handler", async () => {
  const gate = deferred<string>();
  const owner = new Owner({}, { hang: () => gate.promise, run: () => 1 });
  const hung = owner.ask("hang");
  const queued = owner.ask("run");
  await flushMicrotasks();
  let stopped = false;
  const aborted = owner.abort(new Error("stop")).then(() => (stopped = true));
  await assert.rejects(queued, { message: "stop" });
  await flushMicrotasks();
  assert.equal(stopped, false); // one-at-a-time holds even on abort
  gate.resolve("finally");
  assert.equal(await hung, "finally");
  await aborted;
  assert.equal(stopped, true);
});

// ---------------------------------------------------------------- abort/close races

test("Owner: close() then abort() before the queue drains: queued commands reject with the abort reason", async () => {
  let runs = 0;
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => ++runs });
  const blocked = owner.ask("block");
  const replies = [owner.ask("run"), owner.ask("run")];
  const closed = owner.close();
  const reason = new Error("abort wins");
  const aborted = owner.abort(reason);
  for (const reply of replies) await assert.rejects(reply, (e) => e === reason);
  gate.resolve();
  await blocked; // the running handler finishes: it was not queued
  await Promise.all([closed, aborted, owner.closed]);
  assert.equal(runs, 0);
  await assert.rejects(owner.ask("run"), ClosedError);
});

test("Owner: abort() then close(): close is a no-op that resolves when the abort finishes", async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => 1 });
  const blocked = owner.ask("block");
  const reply = owner.ask("run");
  const aborted = owner.abort();
  const closed = owner.close();
  await assert.rejects(reply, ClosedError);
  let stopped = false;
  void closed.then(() => (stopped = true));
  await flushMicrotasks();
  assert.equal(stopped, false); // the running handler still holds the owner
  gate.resolve();
  await blocked;
  await Promise.all([aborted, closed]);
});

test("Owner: the first abort() reason wins; later aborts and closes change nothing", async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => 1 });
  const running = owner.ask("block");
  const queued = owner.ask("run");
  await flushMicrotasks();
  const first = new Error("first");
  const a = owner.abort(first);
  const b = owner.abort(new Error("second"));
  const c = owner.close();
  await assert.rejects(queued, (e) => e === first);
  gate.resolve();
  await running;
  await Promise.all([a, b, c]);
});

test("Owner: close() while async handlers are in flight runs them all, in order, then stops", async () => {
  const log: number[] = [];
  const owner = new Owner(log, {
    push: async (s, n: number) => {
      await Promise.resolve();
      s.push(n);
      return n;
    },
  });
  const replies = Array.from({ length: 20 }, (_, i) => owner.ask("push", i));
  await flushMicrotasks(3);
  await owner.close();
  assert.deepEqual(await Promise.all(replies), log);
  assert.deepEqual(log, Array.from({ length: 20 }, (_, i) => i));
});

test("Store: abort() and close() racing a mixed queue: every command settles exactly once, watchers end", async () => {
  for (const order of ["close-abort", "abort-close"]) {
    const store = new Store<number, number>([], { highWaterMark: 3 });
    const watched = collect(store.watch(1));
    const outcomes = new Map<number, string>();
    const replies = Array.from({ length: 30 }, (_, i) => {
      const p: Promise<unknown> = i % 3 === 0
        ? store.set(1, i)
        : i % 3 === 1
        ? store.update(1, async (v = 0) => {
          await Promise.resolve();
          return v + 1;
        })
        : store.get(1);
      return p.then(
        () => {
          assert.ok(!outcomes.has(i));
          outcomes.set(i, "ok");
        },
        () => {
          assert.ok(!outcomes.has(i));
          outcomes.set(i, "err");
        },
      );
    });
    await flushMicrotasks(5);
    if (order === "close-abort") {
      store.close();
      store.abort(new Error("x"));
    } else {
      store.abort(new Error("x"));
      store.close();
    }
    await Promise.all(replies);
    await store.closed;
    assert.equal(outcomes.size, 30);
    const values = await watched; // ends cleanly, whatever ran
    assert.equal(values[0], undefined);
  }
});

// ---------------------------------------------------------------- signals and timeouts of 0

test("Owner: a command with an already-aborted signal rejects with its reason and never runs (ask, stream, watch)", async () => {
  let runs = 0;
  const owner = new Owner({}, { run: () => ++runs, list: () => [1, 2] });
  const reason = new Error("already");
  const view = owner.with({ signal: AbortSignal.abort(reason) });
  await assert.rejects(view.ask("run"), (e) => e === reason);
  await assert.rejects(collect(view.stream("list")), (e) => e === reason);
  const store = new Store<string, number>();
  await assert.rejects(
    collect(store.with({ signal: AbortSignal.abort(reason) }).watch("a")),
    (e) => e === reason,
  );
  assert.equal(runs, 0);
  assert.equal(await owner.ask("run"), 1);
  await Promise.all([owner.close(), store.close()]);
});

test("new Owner() with an already-aborted options.signal starts closed", async () => {
  const owner = new Owner({}, { run: () => 1 }, {
    signal: AbortSignal.abort(new Error("dead")),
  });
  await owner.closed;
  await assert.rejects(owner.ask("run"), ClosedError);
});

test("Owner.with({ timeout: 0 }): queued behind a running handler, it times out at the next tick and never runs", async () => {
  const clock = manualClock();
  const gate = deferred();
  let runs = 0;
  const owner = new Owner(
    {},
    { block: () => gate.promise, run: () => ++runs },
    { clock },
  );
  const blocked = owner.ask("block");
  const zero = owner.with({ timeout: 0 }).ask("run");
  clock.advance(0);
  await assert.rejects(zero, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 0);
    return true;
  });
  gate.resolve();
  await blocked;
  assert.equal(runs, 0);
  assert.equal(await owner.with({ timeout: 0 }).ask("run"), 1); // runs before any timer fires
  await owner.close();
});

test("Owner options.handlerTimeout: 0 moves on from every async handler at the next tick", async () => {
  const clock = manualClock();
  const reported: unknown[] = [];
  const owner = new Owner({ n: 0 }, {
    slow: () => new Promise<number>(() => {}),
    sync: (s: Counter) => ++s.n,
  }, { clock, handlerTimeout: 0, onError: (e) => reported.push(e) });
  const slow = owner.ask("slow");
  const sync = owner.ask("sync"); // sync handlers are not timed
  await flushMicrotasks();
  clock.advance(0);
  await assert.rejects(slow, TimeoutError);
  assert.equal(await sync, 1);
  assert.equal(reported.length, 1);
  await owner.close();
});

// ---------------------------------------------------------------- slow and absent readers

test("Store: a watcher that never reads overflows alone; the owner and other watchers carry on", async () => {
  const store = new Store<string, number>([], { watchBuffer: 4 });
  const idle = store.watch("k"); // never read until the end
  const active = store.watch("k");
  const reader = active.getReader();
  const seen: (number | undefined)[] = [];
  for (let i = 0; i < 50; i++) {
    await store.set("k", i);
    seen.push((await reader.read()).value);
  }
  assert.deepEqual(seen, [
    undefined,
    ...Array.from({ length: 49 }, (_, i) => i),
  ]);
  await assert.rejects(collect(idle), (error: unknown) => {
    assert.ok(error instanceof OverflowError);
    assert.equal(error.limit, 4);
    return true;
  });
  await store.close();
  reader.releaseLock();
  assert.deepEqual(await collect(active), [49]);
});

test("Store.entries(): a reader that cancels mid-stream frees the snapshot; the owner serves on", async () => {
  const store = new Store<number, number>(
    Array.from({ length: 5000 }, (_, i) => [i, i] as [number, number]),
  );
  const reader = store.entries().getReader();
  const first = await reader.read();
  assert.deepEqual(first.value, [0, 0]);
  await reader.cancel();
  await store.set(5000, 5000);
  assert.equal((await collect(store.entries())).length, 5001);
  await store.close();
});

test("Owner.stream(): a reader that cancels while an async generator produces stops it (finally runs)", async () => {
  const gate = deferred();
  const log: string[] = [];
  const owner = new Owner({}, {
    async *produce() {
      try {
        for (let i = 0;; i++) {
          await gate.promise;
          log.push(`item ${i}`);
          yield i;
        }
      } finally {
        log.push("cleaned up");
      }
    },
    after: () => "after",
  });
  const stream = owner.stream("produce");
  const after = owner.ask("after");
  await flushMicrotasks();
  await stream.cancel();
  gate.resolve();
  assert.equal(await after, "after");
  assert.deepEqual(log, ["item 0", "cleaned up"]);
  await owner.close();
});

test("Store.watch(): a reader that cancels mid-stream: later changes to the key never fail the owner", async () => {
  const store = new Store<string, number>([], { watchBuffer: 2 });
  const reader = store.watch("k").getReader();
  assert.equal((await reader.read()).value, undefined);
  await reader.cancel();
  for (let i = 0; i < 100; i++) await store.set("k", i); // would overflow a live buffer of 2
  assert.deepEqual(await reader.closed, undefined);
  await store.close();
});

// ---------------------------------------------------------------- Machine

test("Machine: a timeout firing between an async transition's commit and its reply cannot report a committed transition as failed", async () => {
  const clock = manualClock();
  const machine = new Machine({
    initial: "a",
    states: {
      a: {
        on: {
          go: { target: "b", action: async () => await Promise.resolve() },
        },
      },
      b: { on: { back: "a" } },
    },
  }, { clock });
  const reader = machine.watch().getReader();
  await flushMicrotasks();
  const sent = machine.with({ timeout: 1 }).send("go");
  const change = await reader.read(); // runs right after the commit
  assert.deepEqual(change.value, { from: "a", event: "go", to: "b" });
  clock.advance(1); // the send's timer fires now
  assert.equal(await sent, "b"); // was: TimeoutError while the machine had moved
  assert.equal(await machine.state(), "b");
  reader.releaseLock();
  await machine.close();
});
