/**
 * Cross-thread throughput of serve()/connect(): one Owner in the main
 * thread, 1 or 4 client workers sending ask("incr") with a window of
 * commands in flight; plus one worker sending them one at a time (the round
 * trip). Prints ops/s per case; the median of a few runs.
 *
 *   npx tsx bench/workers.ts [--port]
 *   deno run -A bench/workers.ts [--port]
 *   bun bench/workers.ts
 *
 * `--port` serves with `transport: "port"` (the MessagePort with a credit
 * window) where streams could be transferred.
 *
 * The file is its own worker script.
 */
import { Owner } from "../mod.ts";
import { connect, type Endpoint, serve } from "../src/workers/mod.ts";

const handlers = {
  incr: (s: { n: number }) => ++s.n,
  get: (s: { n: number }) => s.n,
};
type Counter = Owner<{ n: number }, typeof handlers>;
const WORKER_NAME = "warden-bench-worker";

interface Job {
  n: number;
  window: number;
}

/** The parent thread, when this runs as a worker; by feature detection. */
async function parentEndpoint(): Promise<Endpoint | undefined> {
  const scope = globalThis as unknown as Partial<Endpoint> & { name?: string };
  const web = typeof scope.postMessage === "function" &&
    typeof scope.addEventListener === "function";
  if (web && scope.name === WORKER_NAME) return scope as Endpoint; // Deno
  const threads = await import("node:worker_threads");
  if (threads.isMainThread) return;
  // Bun's web Worker (its main thread has a postMessage too), or Node's.
  return web ? scope as Endpoint : threads.parentPort ?? undefined;
}

function receive(endpoint: Endpoint, onMessage: (data: unknown) => void): void {
  if (endpoint.addEventListener) {
    endpoint.addEventListener("message", (e) => onMessage(e.data));
  } else endpoint.on?.("message", onMessage);
}

async function worker(parent: Endpoint): Promise<void> {
  const counter = connect<Counter>(parent);
  receive(parent, async (data) => {
    const job = data as Job;
    if (typeof job?.n !== "number") return;
    if (job.window === 1) {
      for (let i = 0; i < job.n; i++) await counter.ask("incr");
    } else {
      for (let done = 0; done < job.n; done += job.window) {
        const batch: Promise<number>[] = [];
        for (let i = 0; i < job.window && done + i < job.n; i++) {
          batch.push(counter.ask("incr"));
        }
        await Promise.all(batch);
      }
    }
    parent.postMessage({ done: job.n }, []);
  });
  parent.postMessage({ ready: true }, []);
}

interface Spawned {
  endpoint: Endpoint;
  post(job: Job): void;
  next(): Promise<unknown>;
  terminate(): void;
}

async function spawn(): Promise<Spawned> {
  const url = new URL(import.meta.url);
  const inbox: unknown[] = [];
  const waiting: ((value: unknown) => void)[] = [];
  const onMessage = (data: unknown) => {
    if (typeof data !== "object" || data === null) return;
    if (!("done" in data) && !("ready" in data)) return;
    const wake = waiting.shift();
    if (wake) wake(data);
    else inbox.push(data);
  };
  const next = () =>
    inbox.length > 0
      ? Promise.resolve(inbox.shift())
      : new Promise((resolve) => waiting.push(resolve));
  const WebWorker = (globalThis as { Worker?: typeof Worker }).Worker;
  if (typeof WebWorker === "function") {
    const w = new WebWorker(url, { type: "module", name: WORKER_NAME });
    w.addEventListener("message", (e) => onMessage(e.data));
    return {
      endpoint: w,
      post: (job) => w.postMessage(job),
      next,
      terminate: () => w.terminate(),
    };
  }
  const { Worker: NodeWorker } = await import("node:worker_threads");
  const tsx = import.meta.resolve("tsx/esm/api");
  const w = new NodeWorker(
    `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${
      JSON.stringify(url.href)
    }); });`,
    { eval: true, workerData: WORKER_NAME },
  );
  w.on("message", onMessage);
  return {
    endpoint: w,
    post: (job) => w.postMessage(job),
    next,
    terminate: () => void w.terminate(),
  };
}

async function measure(
  workers: Spawned[],
  counter: Counter,
  job: Job,
): Promise<number> {
  const before = await counter.ask("get");
  const start = performance.now();
  for (const w of workers) w.post(job);
  await Promise.all(workers.map((w) => w.next()));
  const seconds = (performance.now() - start) / 1000;
  const total = job.n * workers.length;
  if ((await counter.ask("get")) !== before + total) {
    throw new Error("lost an increment");
  }
  return total / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const runtime = typeof (globalThis as { Deno?: unknown }).Deno === "object"
    ? "deno"
    : typeof (globalThis as { Bun?: unknown }).Bun === "object"
    ? "bun"
    : `node ${
      (globalThis as { process?: { version: string } }).process?.version
    }`;
  const counter = new Owner({ n: 0 }, handlers);
  const workers = await Promise.all([1, 2, 3, 4].map(() => spawn()));
  const port = args().includes("--port");
  const servings = workers.map((w) =>
    serve(counter, w.endpoint, { transport: port ? "port" : "auto" })
  );
  await Promise.all(workers.map((w) => w.next())); // connected
  const cases: [string, Spawned[], Job][] = [
    ["1 worker, 1 in flight (round trip)", workers.slice(0, 1), {
      n: 2_000,
      window: 1,
    }],
    ["1 worker, 1,000 in flight", workers.slice(0, 1), {
      n: 50_000,
      window: 1_000,
    }],
    ["4 workers, 1,000 in flight each", workers, { n: 25_000, window: 1_000 }],
  ];
  console.log(
    `warden serve/connect, ${runtime}, transport ${
      port ? "MessagePort + credit window" : transport()
    }`,
  );
  for (const [name, group, job] of cases) {
    await measure(group, counter, {
      n: Math.min(job.n, 1_000),
      window: job.window,
    }); // warm-up
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) runs.push(await measure(group, counter, job));
    console.log(
      `${name.padEnd(36)} ${
        Math.round(median(runs)).toLocaleString("en-US").padStart(10)
      } ops/s`,
    );
  }
  for (const s of servings) s.close();
  for (const w of workers) w.terminate();
  await counter.close();
}

function args(): string[] {
  const g = globalThis as {
    Deno?: { args: string[] };
    process?: { argv: string[] };
  };
  return g.Deno?.args ?? g.process?.argv ?? [];
}

function transport(): string {
  try {
    const s = new ReadableStream();
    structuredClone(s, { transfer: [s] }).cancel();
    return "transferred streams";
  } catch {
    return "MessagePort + credit window";
  }
}

const parent = await parentEndpoint();
if (parent) await worker(parent);
else await main();
