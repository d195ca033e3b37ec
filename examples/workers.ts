/**
 * Owners across threads: one counter and one store live in the main
 * thread; four workers reach them with connect() and the same typed API.
 * 4 × 10,000 increments, none lost; each worker also records its result in
 * the store, and the main thread watches the store fill up.
 *
 *   npx tsx examples/workers.ts
 *   deno run -A examples/workers.ts
 *   bun examples/workers.ts
 *
 * This file is its own worker script.
 */
import { Owner, Store } from "../mod.ts";
import { connect, type Endpoint, serve } from "../src/workers/mod.ts";

const handlers = {
  incr: (s: { n: number }) => ++s.n,
  get: (s: { n: number }) => s.n,
};
type Counter = Owner<{ n: number }, typeof handlers>;
type Results = Store<string, number>;

const WORKERS = 4;
const PER_WORKER = 10_000;

// ---- in each worker ---------------------------------------------------------

async function work(parent: Endpoint): Promise<void> {
  const counter = connect<Counter>(parent, { name: "counter" });
  const results = connect<Results>(parent, { name: "results" });
  let highest = 0;
  for (let done = 0; done < PER_WORKER; done += 1_000) {
    const replies = await Promise.all(
      Array.from({ length: 1_000 }, () => counter.ask("incr")),
    );
    highest = Math.max(highest, ...replies);
  }
  const id = Math.random().toString(36).slice(2, 8);
  await results.set(`worker ${id}`, highest);
  // results.update(...) would not compile: a function cannot cross a thread.
  await counter.close();
  await results.close();
}

// ---- in the main thread -----------------------------------------------------

async function main(): Promise<void> {
  const counter = new Owner({ n: 0 }, handlers);
  const results = new Store<string, number>();
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, () => spawn()),
  );
  const servings = workers.flatMap((w) => [
    serve(counter, w.endpoint, { name: "counter" }),
    serve(results, w.endpoint, { name: "results" }),
  ]);

  // Watch the store until every worker has reported.
  const reports = (async () => {
    const reader = results.watch("done").getReader();
    await reader.read(); // undefined: nobody yet
    for (;;) {
      const { value } = await reader.read();
      if (value === WORKERS) break;
    }
    await reader.cancel();
  })();
  let done = 0;
  await Promise.all(workers.map(async (w) => {
    await w.exited;
    await results.set("done", ++done);
  }));
  await reports;

  for await (const [who, highest] of results.entries()) {
    if (who.startsWith("worker")) {
      console.log(`${who}: highest reply ${highest}`);
    }
  }
  console.log("count:", await counter.ask("get")); // 40000, always
  for (const s of servings) s.close();
  for (const w of workers) w.terminate();
  await counter.close();
  await results.close();
}

// ---- plumbing: start this file as a worker, on any runtime ------------------

interface Spawned {
  endpoint: Endpoint;
  exited: Promise<void>;
  terminate(): void;
}

async function spawn(): Promise<Spawned> {
  const url = new URL(import.meta.url);
  let finished!: () => void;
  const exited = new Promise<void>((resolve) => (finished = resolve));
  const onMessage = (data: unknown) => {
    if (data === "finished") finished();
  };
  const WebWorker = (globalThis as { Worker?: typeof Worker }).Worker;
  if (typeof WebWorker === "function") { // Deno, Bun
    const w = new WebWorker(url, { type: "module", name: "warden-example" });
    w.addEventListener("message", (e) => onMessage(e.data));
    return { endpoint: w, exited, terminate: () => w.terminate() };
  }
  // Node 20: worker_threads, loading this TypeScript file through tsx.
  const { Worker: NodeWorker } = await import("node:worker_threads");
  const tsx = import.meta.resolve("tsx/esm/api");
  const w = new NodeWorker(
    `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${
      JSON.stringify(url.href)
    }); });`,
    { eval: true },
  );
  w.on("message", onMessage);
  return {
    endpoint: w,
    exited,
    terminate: () => void w.terminate(),
  };
}

/** The parent thread, when this runs as a worker; by feature detection. */
async function parentEndpoint(): Promise<Endpoint | undefined> {
  const scope = globalThis as unknown as Partial<Endpoint> & { name?: string };
  const web = typeof scope.postMessage === "function" &&
    typeof scope.addEventListener === "function";
  if (web && scope.name === "warden-example") return scope as Endpoint;
  const threads = await import("node:worker_threads");
  if (threads.isMainThread) return;
  return web ? scope as Endpoint : threads.parentPort ?? undefined;
}

const parent = await parentEndpoint();
if (parent) {
  await work(parent);
  parent.postMessage("finished", []);
} else await main();
