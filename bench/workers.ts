/**
 * Cross-thread costs of serve()/connect(), in two parts.
 *
 * 1. The round trip, side by side (issue 18): one worker awaiting each
 *    `ask("incr")` on an Owner in the main thread, against a plain
 *    `postMessage` request/reply with a correlation id and against comlink,
 *    each over its own MessageChannel; alternating rounds, medians, and
 *    each row's ratio to the plain one, in round trips per second and in
 *    the process's CPU time per round trip (both threads). A burner (a
 *    child process spinning on one core) runs during this part, so that
 *    waking a sleeping thread does not hide the CPU each round trip costs;
 *    `--no-burn` leaves it out. With `--against=<dir>` (below), one more
 *    row: the other tree's warden over the port, served beside this one.
 * 2. Throughput: 1 or 4 client workers sending ask("incr") with a window of
 *    commands in flight. Median of 5 runs. No burner.
 *
 *   npx tsx bench/workers.ts [--port] [--no-burn] [--roundtrip]
 *   deno run -A bench/workers.ts [--port] [--no-burn] [--roundtrip]
 *   bun bench/workers.ts [--no-burn] [--roundtrip]
 *
 * `--port` serves part 2 with `transport: "port"` (the MessagePort with a
 * credit window) where streams could be transferred (part 1 has both rows).
 * `--roundtrip` runs part 1 only; `--smoke` a tiny part 1 (does it run?);
 * `--result` also prints part 1's rows as one `@@RESULT <json>` line, which
 * `npm run bench` (bench/run.mjs) reads for its targets.
 *
 * `--cpu` runs neither part but the CPU per round trip with both ends in
 * this thread (no worker, no waking a sleeping thread: what each round
 * trip costs, which a busy machine distorts far less than throughput):
 * plain against warden over the port, in alternating rounds of 500,
 * medians of the process's CPU time (`process.cpuUsage()`). With
 * `--against=<dir>`, also the warden of another tree (a folder holding its
 * `mod.ts` and `src/`, e.g. from `git archive <commit> mod.ts src | tar -x
 * -C <dir>`), with the ratio between the two:
 *
 *   bun bench/workers.ts --cpu --against=/tmp/before
 *   bun bench/workers.ts --roundtrip --against=/tmp/before
 *
 * The file is its own worker script.
 */
import { spawn as spawnProcess } from "node:child_process";
import * as Comlink from "comlink";
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

/** Part 1: `n` sequential round trips of one kind; the worker times them. */
interface RoundTrips {
  rt: Kind;
  n: number;
}
type Kind = "plain" | "comlink" | "warden" | "warden-port" | "against";

/** Part 1's setup: the ports of the plain and comlink rows. */
interface Setup {
  setup: true;
  plain: MessagePort;
  comlink: MessagePort;
  /** `--against=<dir>`: the other tree, served as "against" over the port. */
  against: string | undefined;
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
  const overPort = connect<Counter>(parent, { name: "port" });
  let plain: ((n: number) => Promise<void>) | undefined;
  let linked: Comlink.Remote<{ incr(): number }> | undefined;
  let against: typeof counter | undefined;
  receive(parent, async (data) => {
    if ((data as Setup)?.setup === true) {
      const setup = data as Setup;
      plain = plainClient(setup.plain);
      linked = Comlink.wrap<{ incr(): number }>(setup.comlink);
      if (setup.against !== undefined) {
        const other = await import(
          new URL("src/workers/mod.ts", treeUrl(setup.against)).href
        ) as { connect: typeof connect };
        against = other.connect<Counter>(parent, { name: "against" });
      }
      parent.postMessage({ ready: true }, []);
      return;
    }
    const trips = data as RoundTrips;
    if (typeof trips?.rt === "string") {
      const start = performance.now();
      const cpu = cpuUsage();
      if (trips.rt === "plain") await plain!(trips.n);
      else if (trips.rt === "comlink") {
        for (let i = 0; i < trips.n; i++) await linked!.incr();
      } else {
        const remote = trips.rt === "warden"
          ? counter
          : trips.rt === "against"
          ? against!
          : overPort;
        for (let i = 0; i < trips.n; i++) await remote.ask("incr");
      }
      parent.postMessage({
        done: trips.n,
        ms: performance.now() - start,
        cpu: cpuUsage() - cpu,
      }, []);
      return;
    }
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

/**
 * The plain baseline's client: one request at a time, a correlation id, a
 * map from id to the waiting promise (what comlink does, minus its proxy).
 */
function plainClient(port: MessagePort): (n: number) => Promise<void> {
  const ask = plainAsk(port);
  return async (n) => {
    for (let i = 0; i < n; i++) await ask();
  };
}

/** One plain `incr` request over `port`, settled by the reply with its id. */
function plainAsk(port: MessagePort): () => Promise<unknown> {
  const waiting = new Map<number, (value: unknown) => void>();
  let id = 0;
  port.addEventListener("message", (event: MessageEvent) => {
    const reply = event.data as { id: number; v: unknown };
    const resolve = waiting.get(reply.id);
    waiting.delete(reply.id);
    resolve?.(reply.v);
  });
  port.start();
  return () =>
    new Promise((resolve) => {
      const k = ++id;
      waiting.set(k, resolve);
      port.postMessage({ id: k, op: "incr", args: [] });
    });
}

/** The plain baseline's server: runs the op, replies with the id. */
function plainServer(port: MessagePort, state: { n: number }): void {
  port.addEventListener("message", (event: MessageEvent) => {
    const request = event.data as { id: number; op: string };
    port.postMessage({ id: request.id, v: handlers.incr(state) });
  });
  port.start();
}

/** A child process spinning on one core until killed. */
interface Burner {
  stop(): Promise<void>;
}

function burn(): Burner {
  // Node's binary, whichever runtime runs this: only the load matters.
  const child = spawnProcess("node", ["-e", "for (;;) {}"], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => resolve())
  );
  return {
    stop: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
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

/**
 * `rounds` rounds of `measure` on each of `kinds`, rotating the order so
 * that no kind always runs first in a round: each kind's results, in the
 * order of `kinds`.
 */
async function alternatingRounds<K, T>(
  kinds: readonly K[],
  rounds: number,
  measure: (kind: K) => Promise<T>,
): Promise<T[][]> {
  const results = kinds.map((): T[] => []);
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < kinds.length; j++) {
      const k = (round + j) % kinds.length;
      results[k].push(await measure(kinds[k]));
    }
  }
  return results;
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
  const servings = workers.flatMap((w) => [
    serve(counter, w.endpoint, { transport: port ? "port" : "auto" }),
    serve(counter, w.endpoint, { name: "port", transport: "port" }),
  ]);
  await Promise.all(workers.map((w) => w.next())); // connected
  await roundTrips(runtime, workers[0], counter);
  if (args().includes("--roundtrip") || args().includes("--smoke")) {
    for (const s of servings) s.close();
    for (const w of workers) w.terminate();
    await counter.close();
    return;
  }
  const cases: [string, Spawned[], Job][] = [
    ["1 worker, 1,000 in flight", workers.slice(0, 1), {
      n: 50_000,
      window: 1_000,
    }],
    ["4 workers, 1,000 in flight each", workers, { n: 25_000, window: 1_000 }],
  ];
  console.log(
    `\nwarden serve/connect throughput, ${runtime}, transport ${
      port ? PORT_TRANSPORT : transport()
    } (no burner)`,
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

/** Part 1: the round trip of each kind, alternating, with the burner. */
async function roundTrips(
  runtime: string,
  worker: Spawned,
  counter: Counter,
): Promise<void> {
  const plainState = { n: 0 };
  const plain = new MessageChannel();
  plainServer(plain.port1, plainState);
  const linked = new MessageChannel();
  const exposedState = { n: 0 };
  Comlink.expose({ incr: () => handlers.incr(exposedState) }, linked.port1);
  const against = againstDir();
  let otherCounter: Counter | undefined;
  let otherServing: { close(): void } | undefined;
  if (against !== undefined) {
    const root = treeUrl(against);
    const core = await import(new URL("mod.ts", root).href) as {
      Owner: typeof Owner;
    };
    const other = await import(
      new URL("src/workers/mod.ts", root).href
    ) as { serve: typeof serve };
    otherCounter = new core.Owner({ n: 0 }, handlers);
    otherServing = other.serve(otherCounter, worker.endpoint, {
      name: "against",
      transport: "port",
    });
  }
  worker.endpoint.postMessage(
    { setup: true, plain: plain.port2, comlink: linked.port2, against },
    [plain.port2, linked.port2] as never[],
  );
  await worker.next(); // ready
  const kinds: [Kind, string][] = [
    ["plain", "plain postMessage + correlation id"],
    ["comlink", "comlink 4.4.2"],
    ["warden", `warden (${transport()})`],
  ];
  // Where streams cannot be transferred (Bun) the default is the port: one
  // row, not the same one twice.
  if (transport() !== PORT_TRANSPORT) {
    kinds.push(["warden-port", `warden (${PORT_TRANSPORT})`]);
  }
  if (against !== undefined) {
    kinds.push(["against", `warden of ${against} (MessagePort)`]);
  }
  const smoke = args().includes("--smoke"); // does it run? (tiny)
  const n = smoke ? 50 : 2_000;
  const rounds = smoke ? 1 : 21;
  const run = async (
    kind: Kind,
    count: number,
  ): Promise<{ rate: number; cpu: number }> => {
    const owner = kind === "against" ? otherCounter! : counter;
    const counted = kind.startsWith("warden") || kind === "against";
    const before = counted ? await owner.ask("get") : 0;
    worker.post({ rt: kind, n: count } as unknown as Job);
    const { ms, cpu } = await worker.next() as { ms: number; cpu: number };
    if (counted && (await owner.ask("get")) !== before + count) {
      throw new Error("lost an increment");
    }
    return { rate: count / (ms / 1000), cpu: cpu / count };
  };
  // Warm-up: long enough for every tier of each runtime's JIT (JavaScriptCore
  // tiers up by call counts; with 500 per row, Bun's warden row measured
  // 0.90–1.04× plain when it was one row and 1.06–1.16× as two).
  for (const [kind] of kinds) await run(kind, smoke ? 50 : 5_000);
  const burner = args().includes("--no-burn") ? undefined : burn();
  let measured: { rate: number; cpu: number }[][];
  try {
    measured = await alternatingRounds(kinds, rounds, ([kind]) => run(kind, n));
  } finally {
    await burner?.stop();
    otherServing?.close();
  }
  const results = new Map<Kind, number[]>(
    kinds.map(([k], i) => [k, measured[i].map((m) => m.rate)]),
  );
  const cpus = new Map<Kind, number[]>(
    kinds.map(([k], i) => [k, measured[i].map((m) => m.cpu)]),
  );
  if (plainState.n !== exposedState.n || plainState.n === 0) {
    throw new Error("the baselines did not run the same number of times");
  }
  console.log(
    `round trip, 1 worker awaiting each call, ${runtime}: medians of ${rounds} alternating rounds of ${n}, ${
      burner ? "one core kept busy by a burner process" : "no burner"
    }`,
  );
  const base = median(results.get("plain")!);
  const baseCpu = median(cpus.get("plain")!);
  for (const [kind, name] of kinds) {
    const value = median(results.get(kind)!);
    const cpu = median(cpus.get(kind)!);
    console.log(
      `${name.padEnd(40)} ${
        Math.round(value).toLocaleString("en-US").padStart(10)
      } round trips/s  ${(value / base).toFixed(2)}×   ${
        cpu.toFixed(1).padStart(5)
      } µs CPU each (process)  ${(baseCpu / cpu).toFixed(2)}×`,
    );
  }
  if (args().includes("--result")) {
    // For `npm run bench` (bench/run.mjs), which reads this line.
    console.log(`@@RESULT ${
      JSON.stringify({
        roundtrip: kinds.map(([kind, name]) => ({
          kind,
          name,
          rate: median(results.get(kind)!),
          rateRatio: median(results.get(kind)!) / base,
          cpuRatio: baseCpu / median(cpus.get(kind)!),
        })),
        burner: burner !== undefined,
      })
    }`);
  }
  if (against !== undefined) {
    console.log(
      `this tree ÷ ${against}, port: ${
        (median(results.get("warden-port")!) / median(results.get("against")!))
          .toFixed(3)
      }× round trips/s, ${
        (median(cpus.get("against")!) / median(cpus.get("warden-port")!))
          .toFixed(3)
      }× less CPU`,
    );
  }
}

/** This process's CPU time so far, µs (NaN where unknown). */
function cpuUsage(): number {
  const p = (globalThis as {
    process?: { cpuUsage?(): { user: number; system: number } };
  }).process;
  const used = p?.cpuUsage?.();
  return used === undefined ? NaN : used.user + used.system;
}

/** `--against=<dir>`, if given. */
function againstDir(): string | undefined {
  return args().find((a) => a.startsWith("--against="))?.slice(10);
}

/** A tree's folder as a URL ending in a slash. */
function treeUrl(dir: string): URL {
  return new URL(`file://${dir.replace(/\/?$/, "/")}`);
}

function args(): string[] {
  const g = globalThis as {
    Deno?: { args: string[] };
    process?: { argv: string[] };
  };
  return g.Deno?.args ?? g.process?.argv ?? [];
}

const PORT_TRANSPORT = "MessagePort + credit window";

/** The transport `serve()` picks by default on this runtime. */
function transport(): string {
  try {
    const s = new ReadableStream();
    structuredClone(s, { transfer: [s] }).cancel();
    return "transferred streams";
  } catch {
    return PORT_TRANSPORT;
  }
}

/** `--cpu`: CPU per round trip, both ends in this thread. */
async function cpuPerRoundTrip(): Promise<void> {
  type Ask = () => Promise<unknown>;
  const kinds: [string, Ask][] = [];
  {
    // The plain baseline, as part 1's, over a MessageChannel.
    const { port1, port2 } = new MessageChannel();
    plainServer(port1, { n: 0 });
    kinds.push(["plain postMessage + correlation id", plainAsk(port2)]);
  }
  const served = async (
    core: { Owner: typeof Owner },
    workers: { serve: typeof serve; connect: typeof connect },
  ): Promise<Ask> => {
    const owner = new core.Owner({ n: 0 }, handlers);
    const { port1, port2 } = new MessageChannel();
    workers.serve(owner, port1, { transport: "port" });
    const remote = workers.connect<Counter>(port2);
    await remote.ask("incr");
    return () => remote.ask("incr");
  };
  kinds.push([
    "warden (MessagePort)",
    await served({ Owner }, { serve, connect }),
  ]);
  const against = againstDir();
  if (against !== undefined) {
    const root = treeUrl(against);
    kinds.push([
      `warden of ${against}`,
      await served(
        await import(new URL("mod.ts", root).href),
        await import(new URL("src/workers/mod.ts", root).href),
      ),
    ]);
  }
  const cpu = (globalThis as {
    process: {
      cpuUsage(since?: unknown): { user: number; system: number };
      exit(code: number): never;
    };
  }).process;
  const n = 500;
  const rounds = 101;
  const run = async (ask: Ask): Promise<number> => {
    const start = cpu.cpuUsage();
    for (let i = 0; i < n; i++) await ask();
    const used = cpu.cpuUsage(start);
    return (used.user + used.system) / n;
  };
  for (const [, ask] of kinds) for (let i = 0; i < 4; i++) await run(ask);
  const results = await alternatingRounds(kinds, rounds, ([, ask]) => run(ask));
  const runtime = typeof (globalThis as { Deno?: unknown }).Deno === "object"
    ? "deno"
    : typeof (globalThis as { Bun?: unknown }).Bun === "object"
    ? "bun"
    : "node";
  console.log(
    `CPU per round trip, both ends in one thread, ${runtime}: medians of ${rounds} alternating rounds of ${n}`,
  );
  const medians = results.map(median);
  for (let k = 0; k < kinds.length; k++) {
    console.log(
      `${kinds[k][0].padEnd(40)} ${medians[k].toFixed(2).padStart(7)} µs  ${
        (medians[0] / medians[k]).toFixed(2)
      }× plain`,
    );
  }
  if (against !== undefined) {
    console.log(
      `this tree ÷ ${against}: ${
        (medians[2] / medians[1]).toFixed(3)
      }× (above 1: this tree costs less CPU)`,
    );
  }
  cpu.exit(0); // the ports stay open
}

const parent = await parentEndpoint();
if (parent) await worker(parent);
else if (args().includes("--cpu")) await cpuPerRoundTrip();
else await main();
