// serve() / connect() across real threads: Node worker_threads, Deno and
// Bun web Workers, chosen by feature detection. The worker side is
// tests/fixtures/worker_client.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Endpoint, Owner, serve, Store } from "../mod.ts";
import { deferred, manualClock } from "./_helpers.ts";
import {
  type CounterState,
  counterHandlers,
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
  const waiting: { type: string; resolve(note: Note): void; reject(e: unknown): void }[] = [];
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
  // Web Worker where the runtime has one (Deno, Bun); Node's worker_threads
  // otherwise, loading the TypeScript fixture through tsx.
  const WebWorker = (globalThis as { Worker?: typeof Worker }).Worker;
  if (typeof WebWorker === "function") {
    const worker = new WebWorker(fixture, { type: "module" });
    worker.addEventListener("message", (event) => receive(event.data));
    worker.addEventListener("error", (event) => {
      event.preventDefault();
      fail(new Error(`worker error: ${event.message}`));
    });
    return {
      endpoint: worker,
      post: (note) => worker.postMessage(note),
      next,
      terminate: () => {
        worker.terminate();
        return Promise.resolve();
      },
    };
  }
  // Node 20 cannot load .ts itself: the worker registers tsx, then
  // imports the fixture.
  const { Worker: NodeWorker } = await import("node:worker_threads");
  const tsx = import.meta.resolve("tsx/esm/api");
  const worker = new NodeWorker(
    `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${
      JSON.stringify(fixture.href)
    }); });`,
    { eval: true },
  );
  worker.on("message", receive);
  worker.on("error", fail);
  return {
    endpoint: worker as unknown as Endpoint,
    post: (note) => worker.postMessage(note),
    next,
    terminate: async () => {
      await worker.terminate();
    },
  };
}

async function spawnMany(n: number): Promise<Spawned[]> {
  return await Promise.all(Array.from({ length: n }, () => spawn()));
}

test("serve()/connect(): 4 workers × 10,000 ask(\"incr\") on one served Owner end at exactly 40,000", async () => {
  const owner = new Owner<CounterState, typeof counterHandlers>(
    { n: 0 },
    counterHandlers,
  );
  const workers = await spawnMany(4);
  const servings = workers.map((w) =>
    serve(owner, w.endpoint, { name: "counter" })
  );
  try {
    for (const w of workers) w.post({ type: "incr", n: 10_000, concurrency: 500 });
    const reports = await Promise.all(workers.map((w) => w.next("incr")));
    assert.equal(await owner.ask("get"), 40_000);
    // Every reply was a distinct count: 1 + 2 + … + 40,000 in total.
    assert.deepEqual(reports.map((r) => r.count), [10_000, 10_000, 10_000, 10_000]);
    const sum = reports.reduce((total, r) => total + (r.sum as number), 0);
    assert.equal(sum, (40_000 * 40_001) / 2);
  } finally {
    for (const s of servings) s.close();
    await Promise.all(workers.map((w) => w.terminate()));
    await owner.close();
  }
});

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
  const gate = deferred();
  const started = deferred();
  const owner = new Owner<CounterState, typeof counterHandlers>({
    n: 0,
    hang: () => {
      started.resolve();
      return gate.promise;
    },
  }, counterHandlers);
  const store = new Store<string, number>();
  const clock = manualClock();
  const [worker] = await spawnMany(1);
  // Deno reports no closed port for a terminated worker: the heartbeat
  // finds it (Node and Bun also close the port by themselves).
  const options = { heartbeat: 1_000, clock };
  const counterServing = serve(owner, worker.endpoint, { ...options, name: "counter" });
  const storeServing = serve(store, worker.endpoint, { ...options, name: "store" });
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

test("Serving.close() ends every client's pending commands with ClosedError; the owner is left running", async () => {
  const gate = deferred();
  const started = deferred();
  const owner = new Owner<CounterState, typeof counterHandlers>({
    n: 0,
    hang: () => {
      started.resolve();
      return gate.promise;
    },
  }, counterHandlers);
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
    assert.equal((report.later as Record<string, unknown>).class, "ClosedError");
    assert.equal(serving.clients, 0);
    gate.resolve();
    // The queued commands still ran on the owner; it serves on.
    assert.equal(await owner.ask("incr"), 4);
  } finally {
    serving.close();
    await worker.terminate();
    await owner.close();
  }
});

test("Owner.abort() in the serving thread rejects a remote client's queued commands with ClosedError; the running one finishes", async () => {
  const gate = deferred();
  const started = deferred();
  const owner = new Owner<CounterState, typeof counterHandlers>({
    n: 0,
    hang: () => {
      started.resolve();
      return gate.promise;
    },
  }, counterHandlers);
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
        /^(Command "incr" was not run: the owner was aborted|Cannot run "incr": the owner is (closing|closed))$/,
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
