// serve() / connect() across real threads: Node worker_threads, Deno and
// Bun web Workers, chosen by feature detection (tests/_workers.ts). The
// worker side is tests/fixtures/worker_client.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ClosedError,
  type Envelope,
  Machine,
  OverflowError,
  Owner,
  Store,
  TimeoutError,
  TransitionError,
} from "../mod.ts";
import {
  connect,
  type Endpoint,
  type RemoteOwner,
  serve,
} from "../src/workers/mod.ts";
import { collect, deferred, manualClock, nextMacrotask } from "./_helpers.ts";
import { startWorker } from "./_workers.ts";
import {
  type Counter,
  counterHandlers,
  type CounterState,
  type Note,
} from "./fixtures/worker_types.ts";

interface Spawned {
  /** The worker, as an endpoint to serve on. */
  endpoint: Endpoint;
  /** Posts a task to the worker. */
  post(note: Note): void;
  /** The next note of this type from the worker. */
  next(type: string): Promise<Note>;
  terminate(): Promise<void>;
}

const fixture = new URL("./fixtures/worker_client.ts", import.meta.url);

async function spawn(): Promise<Spawned> {
  const inbox: Note[] = [];
  const waiting: {
    type: string;
    resolve(note: Note): void;
    reject(e: unknown): void;
  }[] = [];
  let failure: unknown = undefined;
  const receive = (data: unknown) => {
    const note = data as Note;
    if (typeof note?.type !== "string") return;
    if (note.type === "error") {
      fail(new Error(`worker failed: ${JSON.stringify(note.error)}`));
      return;
    }
    const i = waiting.findIndex((w) => w.type === note.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(note);
    else inbox.push(note);
  };
  const fail = (error: unknown) => {
    failure = error;
    for (const w of waiting.splice(0)) w.reject(error);
  };
  const next = (type: string) => {
    if (failure !== undefined) return Promise.reject(failure);
    const i = inbox.findIndex((n) => n.type === type);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return new Promise<Note>((resolve, reject) =>
      waiting.push({ type, resolve, reject })
    );
  };
  const worker = await startWorker(fixture, {
    onMessage: receive,
    onError: fail,
  });
  return { ...worker, next };
}

async function spawnMany(n: number): Promise<Spawned[]> {
  return await Promise.all(Array.from({ length: n }, () => spawn()));
}

for (const transport of ["auto", "port"] as const) {
  test(
    `serve()/connect(): 4 workers × 10,000 ask("incr") on one served Owner end at exactly 40,000${
      transport === "auto" ? "" : " [port transport]"
    }`,
    async () => {
      const owner = new Owner<CounterState, typeof counterHandlers>(
        { n: 0 },
        counterHandlers,
      );
      const workers = await spawnMany(4);
      const servings = workers.map((w) =>
        serve(owner, w.endpoint, { name: "counter", transport })
      );
      try {
        for (const w of workers) {
          w.post({ type: "incr", n: 10_000, concurrency: 500 });
        }
        const reports = await Promise.all(workers.map((w) => w.next("incr")));
        assert.equal(await owner.ask("get"), 40_000);
        // Every reply was a distinct count: 1 + 2 + … + 40,000 in total.
        assert.deepEqual(reports.map((r) => r.count), [
          10_000,
          10_000,
          10_000,
          10_000,
        ]);
        const sum = reports.reduce((total, r) => total + (r.sum as number), 0);
        assert.equal(sum, (40_000 * 40_001) / 2);
      } finally {
        for (const s of servings) s.close();
        await Promise.all(workers.map((w) => w.terminate()));
        await owner.close();
      }
    },
  );
}

/** A served counter whose "hang" handler holds the owner until `gate` opens. */
function hangingCounter() {
  const gate = deferred();
  const started = deferred();
  const owner = new Owner<CounterState, typeof counterHandlers>({
    n: 0,
    hang: () => {
      started.resolve();
      return gate.promise;
    },
  }, counterHandlers);
  return { gate, started, owner };
}
test("serve()/connect(): 4 workers × 10,000 set() on one served Store, with get/has/entries and watch across threads", async () => {
  const store = new Store<string, number>();
  const workers = await spawnMany(4);
  const servings = workers.map((w) =>
    serve(store, w.endpoint, { name: "store" })
  );
  const n = 10_000;
  try {
    workers.forEach((w, i) => w.post({ type: "store", w: i, n, workers: 4 }));
    // Every worker watches its neighbour's progress key before anyone writes.
    await Promise.all(workers.map((w) => w.next("ready")));
    for (const w of workers) w.post({ type: "go" });
    const reports = await Promise.all(workers.map((w) => w.next("store")));
    assert.equal(await store.size(), 4 * n + 4);
    const progress: (number | undefined)[] = [undefined];
    for (let k = 1_000; k <= n; k += 1_000) progress.push(k);
    for (const report of reports) {
      // The watcher saw the neighbour's every step, in order, none lost.
      assert.deepEqual(report.watched, progress);
      assert.equal(report.last, n - 1);
      assert.equal(report.has, true);
      assert.equal(report.own, n);
      assert.equal(report.ownSum, (n * (n - 1)) / 2);
    }
  } finally {
    for (const s of servings) s.close();
    await Promise.all(workers.map((w) => w.terminate()));
    await store.close();
  }
});

test("serve(): a terminated client's channel is dropped, its watch and pending command end, and the owner keeps serving", async () => {
  const { gate, started, owner } = hangingCounter();
  const store = new Store<string, number>();
  const clock = manualClock();
  const [worker] = await spawnMany(1);
  // Deno reports no closed port for a terminated worker: the heartbeat
  // finds it (Node and Bun also close the port by themselves).
  const options = { heartbeat: 1_000, clock };
  const counterServing = serve(owner, worker.endpoint, {
    ...options,
    name: "counter",
  });
  const storeServing = serve(store, worker.endpoint, {
    ...options,
    name: "store",
  });
  try {
    worker.post({ type: "linger" });
    await worker.next("lingering");
    await started.promise;
    assert.equal(counterServing.clients, 1);
    assert.equal(storeServing.clients, 1);
    await worker.terminate();
    clock.advance(1_000); // probe
    clock.advance(1_000); // no answer: dropped
    assert.equal(counterServing.clients, 0);
    assert.equal(storeServing.clients, 0);
    assert.equal(clock.pending(), 0); // no heartbeat left behind
    // The owner was never blocked: the hanging command finishes, others run.
    gate.resolve();
    assert.equal(await owner.ask("incr"), 1);
    await store.set("k", 1); // the dead watcher is not in the way
    assert.equal(await store.get("k"), 1);
  } finally {
    counterServing.close();
    storeServing.close();
    await owner.close();
    await store.close();
  }
});

test("connect() from the main thread to an owner served in a worker; its close() ends the connection", async () => {
  const [worker] = await spawnMany(1);
  try {
    worker.post({ type: "host" });
    await worker.next("hosting");
    const remote = connect<Counter>(worker.endpoint, { name: "hosted" });
    const replies = await Promise.all(
      Array.from({ length: 1_000 }, () => remote.ask("incr")),
    );
    assert.deepEqual(
      replies.slice().sort((a, b) => a - b),
      Array.from({ length: 1_000 }, (_, i) => i + 1),
    );
    assert.equal(await remote.ask("get"), 1_000);
    worker.post({ type: "stop" });
    await remote.closed; // the owner closed: the channel ended
    assert.equal((await worker.next("stopped")).n, 0);
    const late = await remote.ask("incr").catch((e) => e);
    assert.ok(late instanceof ClosedError);
    assert.deepEqual(late.command, { op: "incr", args: [] });
  } finally {
    await worker.terminate();
  }
});

test("Serving.close() ends every client's pending commands with ClosedError; the owner is left running", async () => {
  const { gate, started, owner } = hangingCounter();
  const [worker] = await spawnMany(1);
  const serving = serve(owner, worker.endpoint, { name: "counter" });
  try {
    worker.post({ type: "pending" });
    await worker.next("sent");
    await started.promise; // "hang" runs; the three incr wait behind it
    serving.close();
    const report = await worker.next("pending");
    const results = report.results as Record<string, unknown>[];
    assert.equal(results.length, 4);
    assert.deepEqual(results[0], {
      class: "ClosedError",
      name: "ClosedError",
      message: 'Cannot run "hang": the server stopped serving',
      command: { op: "hang", args: [] },
    });
    for (const r of results.slice(1)) {
      assert.equal(r.class, "ClosedError");
      assert.deepEqual(r.command, { op: "incr", args: [] });
    }
    assert.equal(
      (report.later as Record<string, unknown>).class,
      "ClosedError",
    );
    assert.equal(serving.clients, 0);
    gate.resolve();
    // The three queued incr never ran (ClosedError said so); the owner
    // serves on.
    assert.equal(await owner.ask("incr"), 1);
  } finally {
    serving.close();
    await worker.terminate();
    await owner.close();
  }
});

test("Owner.abort() in the serving thread rejects a remote client's queued commands with ClosedError; the running one finishes", async () => {
  const { gate, started, owner } = hangingCounter();
  const [worker] = await spawnMany(1);
  const serving = serve(owner, worker.endpoint, { name: "counter" });
  try {
    worker.post({ type: "pending" });
    await worker.next("sent");
    await started.promise;
    const stopped = owner.abort();
    gate.resolve();
    await stopped;
    const report = await worker.next("pending");
    const results = report.results as Record<string, unknown>[];
    assert.deepEqual(results[0], { value: undefined }); // it was running
    for (const r of results.slice(1)) {
      // Queued at the owner, or still on the way to it: refused either way.
      assert.equal(r.class, "ClosedError");
      assert.match(
        r.message as string,
        /^(Command "incr" was not run: the owner was aborted|Cannot run "incr": the owner was aborted)$/,
      );
      assert.deepEqual(r.command, { op: "incr", args: [] });
    }
    const later = report.later as Record<string, unknown>;
    assert.equal(later.class, "ClosedError");
    assert.deepEqual(later.command, { op: "incr", args: [] });
    assert.equal(serving.clients, 0);
  } finally {
    serving.close();
    await worker.terminate();
  }
});

// The same protocol within one thread, over a MessageChannel: errors,
// values that cannot cross, cancellation, streams. (Node and Deno carry it
// over transferred streams, Bun over the port with a credit window.)

function channel(): {
  server: MessagePort;
  client: MessagePort;
  close(): void;
} {
  const { port1, port2 } = new MessageChannel();
  return {
    server: port1,
    client: port2,
    close: () => {
      port1.close();
      port2.close();
    },
  };
}

class PaymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PaymentError";
  }
}

// Each runs on both transports: "auto" (transferred streams on Node and
// Deno, the port on Bun) and "port" (the port with a credit window).
for (const transport of ["auto", "port"] as const) {
  const suffix = transport === "auto" ? "" : " [port transport]";

  test(
    "connect(): 1,000 concurrent commands run once each, in the order sent, through a window of 2" +
      suffix,
    async () => {
      const owner = new Owner({ seen: [] as number[] }, {
        add: (s, i: number) => s.seen.push(i),
        seen: (s) => s.seen,
      });
      const ends = channel();
      const serving = serve(owner, ends.server, { transport, window: 2 });
      const remote = connect<typeof owner>(ends.client);
      try {
        const sent = Array.from({ length: 1_000 }, (_, i) => i);
        const replies = await Promise.all(
          sent.map((i) => remote.ask("add", i)),
        );
        assert.deepEqual(replies, sent.map((i) => i + 1));
        assert.deepEqual(await owner.ask("seen"), sent);
      } finally {
        await remote.close();
        serving.close();
        ends.close();
        await owner.close();
      }
    },
  );

  test(
    "connect(): errors cross as the same class, message and data fields" +
      suffix,
    async () => {
      const clock = manualClock();
      const gate = deferred();
      const owner = new Owner({ n: 0 }, {
        range: (_s, n: number) => {
          if (n < 0) throw new RangeError(`Cannot count to ${n}`);
          return n;
        },
        pay: () => {
          throw new PaymentError("card declined");
        },
        raw: () => {
          throw "a string"; // not an Error
        },
        slow: () => gate.promise,
      }, { timeout: 50, clock });
      const ends = channel();
      const serving = serve(owner, ends.server, { transport });
      const remote = connect<typeof owner>(ends.client);
      try {
        await assert.rejects(remote.ask("range", -1), (e) => {
          assert.ok(e instanceof RangeError);
          assert.equal(e.message, "Cannot count to -1");
          return true;
        });
        const unknown =
          await (remote as unknown as RemoteOwner<Record<string, () => void>>)
            .ask("nope").catch((e) => e);
        assert.ok(unknown instanceof TypeError);
        assert.match(
          unknown.message,
          /^Cannot run "nope": no handler by that name/,
        );
        const custom = await remote.ask("pay").catch((e) => e);
        assert.ok(custom instanceof Error);
        assert.equal(custom.name, "PaymentError");
        assert.equal(custom.message, "card declined");
        assert.equal(await remote.ask("raw").catch((e) => e), "a string");
        const timing = remote.ask("slow").catch((e) => e);
        await flushUntil(() => clock.pending() > 0);
        clock.advance(50);
        const timeout = await timing;
        assert.ok(timeout instanceof TimeoutError);
        assert.equal(timeout.timeout, 50);
        assert.deepEqual(timeout.command, { op: "slow", args: [] });
        assert.equal(timeout.message, 'Command "slow" timed out after 50 ms');
        gate.resolve();
      } finally {
        await remote.close();
        serving.close();
        ends.close();
        await owner.close();
      }
    },
  );

  test(
    "RemoteMachine: send/state/can/snapshot/watch across; TransitionError keeps from and event" +
      suffix,
    async () => {
      const machine = new Machine({
        initial: "idle",
        states: {
          idle: { on: { send: "inflight" } },
          inflight: { on: { done: "idle" } },
        },
      });
      const b = channel();
      const serving = serve(machine, b.server, { transport });
      const remoteMachine = connect<typeof machine>(b.client);
      try {
        assert.equal(await remoteMachine.send("send"), "inflight");
        const refused = await remoteMachine.send("send").catch((e) => e);
        assert.ok(refused instanceof TransitionError);
        assert.equal(refused.from, "inflight");
        assert.equal(refused.event, "send");
        assert.equal(
          refused.message,
          'Cannot send "send" in state "inflight": no transition for this event',
        );
        assert.equal(await remoteMachine.state(), "inflight");
        assert.equal(await remoteMachine.can("done"), true);
        const changes = remoteMachine.watch();
        assert.equal(await remoteMachine.send("done"), "idle");
        assert.deepEqual(await remoteMachine.snapshot(), {
          state: "idle",
          context: undefined,
        });
        await machine.close();
        // The watch ends cleanly when the machine closes; the channel then ends.
        assert.deepEqual(await collect(changes), [
          { from: "inflight", event: "done", to: "idle" },
        ]);
        await remoteMachine.closed;
        const late = await remoteMachine.state().catch((e) => e);
        assert.ok(late instanceof ClosedError);
        assert.deepEqual(late.command, { op: "state", args: [] });
      } finally {
        await remoteMachine.close();
        serving.close();
        b.close();
      }
    },
  );

  test(
    "RemoteStore.update() rejects with a TypeError: a function cannot cross a thread" +
      suffix,
    async () => {
      const store = new Store<string, number>([["a", 1]]);
      const ends = channel();
      const serving = serve(store, ends.server, { transport });
      const remote = connect<typeof store>(ends.client);
      try {
        // @ts-expect-error update(key, fn) is not part of a remote Store's type
        const pending = remote.update("a", (n: number) => n + 1);
        const error = await pending.catch((e: unknown) => e);
        assert.ok(error instanceof TypeError);
        assert.match(
          error.message,
          /^Cannot update across threads: fn cannot be sent to another thread/,
        );
        assert.equal(await store.get("a"), 1);
      } finally {
        await remote.close();
        serving.close();
        ends.close();
        await store.close();
      }
    },
  );

  test(
    "connect(): an argument or reply that cannot be cloned fails that command only, with DataCloneError" +
      suffix,
    async () => {
      const owner = new Owner({ n: 0 }, {
        incr: (s) => ++s.n,
        echo: (_s, value: unknown) => value,
        fn: () => () => 1,
      });
      const ends = channel();
      const serving = serve(owner, ends.server, { transport });
      const remote = connect<typeof owner>(ends.client);
      try {
        const sent = await remote.ask("echo", () => 1).catch((e) => e) as Error;
        assert.equal(sent.name, "DataCloneError");
        assert.match(
          sent.message,
          /^Cannot send the arguments of "echo" to another thread/,
        );
        const back = await remote.ask("fn").catch((e) => e);
        assert.equal(back.name, "DataCloneError");
        assert.match(
          back.message,
          /^Cannot send the reply of "fn" to another thread/,
        );
        assert.deepEqual(
          await remote.ask("echo", { a: [1, new Map([[1, 2]])] }),
          {
            a: [1, new Map([[1, 2]])],
          },
        );
        assert.equal(await remote.ask("incr"), 1); // the channel is fine
      } finally {
        await remote.close();
        serving.close();
        ends.close();
        await owner.close();
      }
    },
  );

  test(
    "RemoteBase.with({ signal }): an aborted remote command rejects with the reason and never runs" +
      suffix,
    async () => {
      const gate = deferred();
      const started = deferred();
      const owner = new Owner({ n: 0 }, {
        hang: () => {
          started.resolve();
          return gate.promise;
        },
        incr: (s) => ++s.n,
        get: (s) => s.n,
      });
      // Serve through a spy, to see the abort arrive on the serving side.
      const signals: AbortSignal[] = [];
      const writer = owner.writable.getWriter();
      const spy = new WritableStream<Envelope>({
        write(envelope) {
          if (envelope.op === "incr") signals.push(envelope.signal!);
          return writer.write(envelope);
        },
      });
      const ends = channel();
      const serving = serve(
        { writable: spy, closed: owner.closed },
        ends.server,
        { transport },
      );
      const remote = connect<typeof owner>(ends.client);
      try {
        const hanging = remote.ask("hang");
        await started.promise;
        const controller = new AbortController();
        const queued = remote.with({ signal: controller.signal }).ask("incr");
        await flushUntil(() => signals.length === 1); // queued at the owner
        controller.abort(new Error("changed my mind"));
        await assert.rejects(queued, { message: "changed my mind" }); // at once
        await flushUntil(() => signals[0].aborted); // the cancel arrived
        assert.equal(signals[0].aborted, true);
        gate.resolve();
        await hanging;
        assert.equal(await remote.ask("get"), 0); // the aborted incr never ran
        const already = await remote.with({ signal: AbortSignal.abort("no") })
          .ask("incr").catch((e) => e);
        assert.equal(already, "no");
      } finally {
        await remote.close();
        serving.close();
        ends.close();
        await owner.close();
      }
    },
  );

  test(
    "RemoteBase.with({ timeout }): a remote command past its time limit rejects with TimeoutError" +
      suffix,
    async () => {
      const gate = deferred();
      const owner = new Owner({}, {
        hang: () => gate.promise,
        list: async () => {
          await gate.promise;
          return [1, 2];
        },
      });
      const clock = manualClock();
      const ends = channel();
      const serving = serve(owner, ends.server, { transport });
      const remote = connect<typeof owner>(ends.client, { clock });
      try {
        const late = remote.with({ timeout: 20 }).ask("hang").catch((e) => e);
        assert.equal(clock.pending(), 1);
        clock.advance(20);
        const error = await late;
        assert.ok(error instanceof TimeoutError);
        assert.equal(error.timeout, 20);
        assert.deepEqual(error.command, { op: "hang", args: [] });
        assert.equal(clock.pending(), 0);
        // A streamed reply: the limit holds until its first message.
        const stream = remote.with({ timeout: 30 }).stream("list");
        assert.equal(clock.pending(), 1);
        clock.advance(30);
        const streamError = await collect(stream).catch((e) => e);
        assert.ok(streamError instanceof TimeoutError);
        assert.equal(streamError.timeout, 30);
        assert.deepEqual(streamError.command, { op: "list", args: [] });
        gate.resolve();
        // In time, the timer is disarmed at the first message.
        assert.deepEqual(
          await collect(remote.with({ timeout: 30 }).stream("list")),
          [1, 2],
        );
        assert.equal(clock.pending(), 0);
      } finally {
        await remote.close();
        serving.close();
        ends.close();
        await owner.close();
      }
    },
  );

  test(
    "RemoteStore.watch(): a reader that falls behind overflows on the owner's side, with OverflowError" +
      suffix,
    async () => {
      const store = new Store<string, number>([], { watchBuffer: 4 });
      const ends = channel();
      const serving = serve(store, ends.server, { transport });
      const remote = connect<typeof store>(ends.client, { readAhead: 2 });
      try {
        const reader = remote.watch("k").getReader();
        assert.equal((await reader.read()).value, undefined); // subscribed
        for (let i = 1; i <= 20; i++) await store.set("k", i);
        const seen: (number | undefined)[] = [];
        const error = await (async () => {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return undefined;
            seen.push(value);
          }
        })().catch((e) => e);
        assert.ok(error instanceof OverflowError);
        assert.equal(error.limit, 4);
        // Never more than the read-ahead plus the owner's buffer got through.
        assert.ok(seen.length <= 2 + 4, `saw ${seen.length}`);
        assert.deepEqual(seen, seen.slice().sort((x, y) => x! - y!));
        assert.equal(await remote.get("k"), 20);
      } finally {
        await remote.close();
        serving.close();
        ends.close();
        await store.close();
      }
    },
  );

  test(
    "RemoteOwner.stream(): items arrive in order at the reader's pace; cancelling ends it on the owner's side" +
      suffix,
    async () => {
      const owner = new Owner({
        items: Array.from({ length: 5_000 }, (_, i) => i),
      }, {
        all: (s) => s.items,
      });
      const ends = channel();
      const serving = serve(owner, ends.server, { transport });
      const remote = connect<typeof owner>(ends.client, { readAhead: 16 });
      try {
        const all = await collect(remote.stream("all"));
        assert.equal(all.length, 5_000);
        assert.deepEqual(all.slice(0, 3), [0, 1, 2]);
        assert.equal(all[4_999], 4_999);
        const reader = remote.stream("all").getReader();
        assert.equal((await reader.read()).value, 0);
        await reader.cancel();
        // With no stream left open, the channel ends as soon as the owner does.
        await owner.close();
        await remote.closed;
        const late = await remote.ask("all").catch((e) => e);
        assert.ok(late instanceof ClosedError);
      } finally {
        await remote.close();
        serving.close();
        ends.close();
      }
    },
  );

  test(
    "serve({ heartbeat }): a client that answers stays connected; one that has gone quiet is dropped" +
      suffix,
    async () => {
      const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n });
      const clock = manualClock();
      const ends = channel();
      const serving = serve(owner, ends.server, {
        transport,
        heartbeat: 1_000,
        clock,
      });
      const remote = connect<typeof owner>(ends.client);
      try {
        assert.equal(await remote.ask("incr"), 1);
        for (let i = 0; i < 3; i++) {
          clock.advance(1_000); // probe
          // The client answers the probe (and any message counts).
          assert.equal(await remote.ask("incr"), i + 2);
        }
        assert.equal(serving.clients, 1);
        // Two probes with no answer in between (no turn given here to
        // answer, as from a terminated worker): dropped.
        clock.advance(1_000);
        clock.advance(1_000);
        assert.equal(serving.clients, 0);
        assert.equal(clock.pending(), 0);
      } finally {
        await remote.close();
        serving.close();
        ends.close();
        await owner.close();
      }
    },
  );

  test(
    "RemoteBase.close(): pending commands reject with ClosedError; the served owner is not affected" +
      suffix,
    async () => {
      const gate = deferred();
      const owner = new Owner({ n: 0 }, {
        hang: () => gate.promise,
        incr: (s) => ++s.n,
      });
      const ends = channel();
      const serving = serve(owner, ends.server, { transport });
      const remote = connect<typeof owner>(ends.client);
      try {
        const pending = remote.ask("hang").catch((e) => e);
        await remote.close();
        const error = await pending;
        assert.ok(error instanceof ClosedError);
        assert.equal(
          error.message,
          'Cannot run "hang": the connection is closed',
        );
        assert.deepEqual(error.command, { op: "hang", args: [] });
        await assert.rejects(remote.ask("incr"), ClosedError);
        gate.resolve();
        assert.equal(await owner.ask("incr"), 1);
      } finally {
        serving.close();
        ends.close();
        await owner.close();
      }
    },
  );
}

test("serve()/connect(): bad arguments are refused with a TypeError or RangeError", () => {
  const { port1, port2 } = new MessageChannel();
  const owner = new Owner({}, {});
  assert.throws(
    () => serve({} as unknown as Owner<object, Record<string, never>>, port1),
    {
      name: "TypeError",
      message:
        /^Cannot serve: target must be an Owner, Store or Machine, received an object/,
    },
  );
  assert.throws(() => serve(owner, {} as unknown as Endpoint), TypeError);
  assert.throws(() => serve(owner, port1, { window: 0 }), RangeError);
  const locked = new Owner({}, {});
  locked.writable.getWriter();
  assert.throws(() => serve(locked, port1), {
    name: "TypeError",
    message: /^Cannot serve: the target's writable is locked/,
  });
  assert.throws(() => connect(null as unknown as Endpoint), {
    name: "TypeError",
    message: /^Cannot connect: endpoint must have postMessage/,
  });
  assert.throws(() => connect(port2, { readAhead: -1 }), RangeError);
  assert.throws(
    () => connect(port2, { name: 1 as unknown as string }),
    TypeError,
  );
  port1.close();
  port2.close();
});

/** Lets the other end of a MessageChannel run: macrotasks until `ready()`. */
async function flushUntil(ready: () => boolean, max = 100): Promise<void> {
  for (let i = 0; i < max && !ready(); i++) await nextMacrotask();
}
