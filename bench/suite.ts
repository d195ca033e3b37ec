// The benchmark suite: one runtime, one process. `bench/run.mjs` bundles
// this file with esbuild and runs the same bundle on Node, Deno and Bun.
// It measures; it asserts nothing. Every number is a median of rounds, and
// the rounds of one table are interleaved (round-robin over its rows), so
// ratios between rows are measured side by side in one run.

import { Mutex } from "async-mutex";
import PQueue from "p-queue";
import { assign, createActor, setup } from "xstate";
import { Machine, Owner, Store } from "../mod.ts";

// ---------------------------------------------------------------- runtime

interface RuntimeGlobals {
  Deno?: {
    version: { deno: string };
    env: { get(name: string): string | undefined };
    memoryUsage(): { heapUsed: number };
  };
  Bun?: { version: string; gc(force: boolean): void };
  gc?: () => void;
}
const g = globalThis as unknown as RuntimeGlobals;

const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";
const version = g.Deno
  ? `Deno ${g.Deno.version.deno}`
  : g.Bun
  ? `Bun ${g.Bun.version}`
  : `Node ${process.version.slice(1)}`;

function env(name: string): string | undefined {
  return g.Deno ? g.Deno.env.get(name) : process.env[name];
}

const QUICK = env("WARDEN_BENCH_QUICK") === "1";
const ROUNDS = QUICK ? 3 : 7;
/** Wall time one sample aims for, in ms. */
const SAMPLE_MS = QUICK ? 40 : 120;
/** Only mix rows whose name contains one of these (and the floor). */
const ROWS = (env("WARDEN_BENCH_ROWS") ?? "").split(",").filter(Boolean);
const CALLERS = 1000;
const KEYS = 1024;
const MASK = KEYS - 1;

function gc(): boolean {
  if (g.Bun) {
    g.Bun.gc(true);
    return true;
  }
  if (typeof g.gc === "function") {
    g.gc();
    return true;
  }
  return false;
}

function heapUsed(): number {
  return g.Deno
    ? g.Deno.memoryUsage().heapUsed
    : process.memoryUsage().heapUsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

// ---------------------------------------------------------------- harness

/** Does `n` operations (or about `n`: it returns how many it did). */
type Work = (n: number) => Promise<number> | number;

interface Row {
  name: string;
  work: Work;
  n: number;
  samples: number[];
}

async function timeIt(work: Work, n: number): Promise<[number, number]> {
  const start = performance.now();
  const done = await work(n);
  return [done, performance.now() - start];
}

/** Finds an `n` that takes about SAMPLE_MS; doubles as the warm-up. */
async function calibrate(work: Work, step: number): Promise<number> {
  // Warm up first: cold code (interpreter, first JIT tiers) is many times
  // slower, and sizing a sample from it makes samples too short.
  let n = step;
  let spent = 0;
  let ms = 0;
  while (spent < SAMPLE_MS * 2 && n < 1 << 26) {
    [, ms] = await timeIt(work, n);
    spent += ms;
    if (ms < SAMPLE_MS / 4) n *= 2;
  }
  [, ms] = await timeIt(work, n); // warm now
  return Math.max(step, Math.round((n * SAMPLE_MS) / ms / step) * step);
}

/** Measures rows round-robin; returns ops/s medians by name. */
async function measure(
  entries: [string, Work][],
  step: number,
): Promise<Map<string, number>> {
  const rows: Row[] = [];
  for (const [name, work] of entries) {
    rows.push({ name, work, n: await calibrate(work, step), samples: [] });
    await tick();
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const row of rows) {
      const [done, ms] = await timeIt(row.work, row.n);
      row.samples.push((done * 1000) / ms);
      await tick(); // let timers and GC bookkeeping run between samples
    }
  }
  return new Map(rows.map((row) => [row.name, median(row.samples)]));
}

// ------------------------------------------------- the get/set mix, per API

/**
 * One API under test: `loop(base, m)` does m operations in sequence (even
 * i: set, odd i: get, over 1,024 keys), awaiting each. Each API gets its
 * own loop so each call site stays monomorphic.
 */
interface Api {
  name: string;
  loop(base: number, m: number): Promise<void> | void;
}

function oneCaller(api: Api): Work {
  return async (n) => {
    await api.loop(0, n);
    return n;
  };
}

function manyCallers(api: Api): Work {
  return async (n) => {
    const m = Math.max(1, Math.floor(n / CALLERS));
    const all: (Promise<void> | void)[] = new Array(CALLERS);
    for (let c = 0; c < CALLERS; c++) all[c] = api.loop(c * m, m);
    await Promise.all(all);
    return m * CALLERS;
  };
}

interface Cmd {
  op: number;
  k: number;
  v: number;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

function rawMap(): Api {
  const map = new Map<number, number>();
  let sink = 0;
  return {
    name: "raw Map (the limit)",
    loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) sink += map.get(i & MASK) ?? 0;
        else map.set(i & MASK, i);
      }
      if (sink === -1) console.log(sink);
    },
  };
}

function promiseFloor(): Api {
  const map = new Map<number, number>();
  const get = async (k: number) => map.get(k);
  const set = async (k: number, v: number) => {
    map.set(k, v);
  };
  return {
    name: "promise floor (async fn over a Map)",
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await get(i & MASK);
        else await set(i & MASK, i);
      }
    },
  };
}

function promiseFloorNew(): Api {
  const map = new Map<number, number>();
  const get = (k: number) => new Promise((resolve) => resolve(map.get(k)));
  const set = (k: number, v: number) =>
    new Promise<void>((resolve) => {
      map.set(k, v);
      resolve();
    });
  return {
    name: "promise floor (new Promise per op)",
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await get(i & MASK);
        else await set(i & MASK, i);
      }
    },
  };
}

function writePerCommand(): Api {
  const map = new Map<number, number>();
  const writer = new WritableStream<Cmd>({
    write(c) {
      if (c.op === 0) c.resolve(map.get(c.k));
      else {
        map.set(c.k, c.v);
        c.resolve(undefined);
      }
    },
  }).getWriter();
  const call = (op: number, k: number, v: number) =>
    new Promise<unknown>((resolve, reject) => {
      writer.write({ op, k, v, resolve, reject });
    });
  return {
    name: "one write() per command",
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await call(0, i & MASK, 0);
        else await call(1, i & MASK, i);
      }
    },
  };
}

/** The no-op inspector of the "inspect on" rows: the cost of the hooks. */
const noInspector = (): void => {};
const INSPECTED = ", inspect on (no-op)";

function wardenStore(inspect?: () => void): Api {
  const store = new Store<number, number>([], { inspect });
  return {
    name: `warden Store${inspect ? INSPECTED : ""}`,
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await store.get(i & MASK);
        else await store.set(i & MASK, i);
      }
    },
  };
}

function wardenStoreWith(kind: "timeout" | "signal"): Api {
  const base = new Store<number, number>();
  const store = kind === "timeout"
    ? base.with({ timeout: 60_000 })
    : base.with({ signal: new AbortController().signal });
  return {
    name: `warden Store.with({ ${kind} })`,
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await store.get(i & MASK);
        else await store.set(i & MASK, i);
      }
    },
  };
}

function wardenOwner(inspect?: () => void): Api {
  const owner = new Owner({ map: new Map<number, number>() }, {
    get: (s, k: number) => s.map.get(k),
    set: (s, k: number, v: number) => {
      s.map.set(k, v);
    },
  }, { inspect });
  return {
    name: `warden Owner${inspect ? INSPECTED : ""}`,
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await owner.ask("get", i & MASK);
        else await owner.ask("set", i & MASK, i);
      }
    },
  };
}

/**
 * The queue path: async handlers hold the owner until they settle, so with
 * many callers every command waits in the queue and runs from a batch
 * written to the stream (an idle owner would run a sync handler at once).
 */
function wardenOwnerAsync(inspect?: () => void): Api {
  const owner = new Owner({ map: new Map<number, number>() }, {
    get: async (s, k: number) => s.map.get(k),
    set: async (s, k: number, v: number) => {
      s.map.set(k, v);
    },
  }, { inspect });
  return {
    name: `warden Owner, async handlers (queued)${inspect ? INSPECTED : ""}`,
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await owner.ask("get", i & MASK);
        else await owner.ask("set", i & MASK, i);
      }
    },
  };
}

/** The hand-rolled actor: an array mailbox drained once per microtask. */
class ArrayActor {
  #map = new Map<number, number>();
  #queue: Cmd[] = [];
  #scheduled = false;

  call(op: number, k: number, v: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ op, k, v, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(this.#drain);
      }
    });
  }

  #drain = (): void => {
    const queue = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    for (let i = 0; i < queue.length; i++) {
      const c = queue[i];
      if (c.op === 0) c.resolve(this.#map.get(c.k));
      else {
        this.#map.set(c.k, c.v);
        c.resolve(undefined);
      }
    }
  };
}

function arrayActor(): Api {
  const actor = new ArrayActor();
  return {
    name: "hand-rolled array-queue actor",
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await actor.call(0, i & MASK, 0);
        else await actor.call(1, i & MASK, i);
      }
    },
  };
}

/**
 * The hand-rolled actor with async handlers: the least a queue must do to
 * run async handlers one at a time (await each before the next), the
 * baseline for "warden Owner, async handlers (queued)".
 */
class AsyncArrayActor {
  #map = new Map<number, number>();
  #queue: Cmd[] = [];
  #running = false;

  call(op: number, k: number, v: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ op, k, v, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        void this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const queue = this.#queue;
      this.#queue = [];
      for (let i = 0; i < queue.length; i++) {
        const c = queue[i];
        try {
          c.resolve(await this.#handle(c));
        } catch (error) {
          c.reject(error);
        }
      }
    }
    this.#running = false;
  }

  async #handle(c: Cmd): Promise<unknown> {
    if (c.op === 0) return this.#map.get(c.k);
    this.#map.set(c.k, c.v);
    return undefined;
  }
}

function asyncArrayActor(): Api {
  const actor = new AsyncArrayActor();
  return {
    name: "hand-rolled queue, async handlers",
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await actor.call(0, i & MASK, 0);
        else await actor.call(1, i & MASK, i);
      }
    },
  };
}

function asyncMutex(): Api {
  const map = new Map<number, number>();
  const mutex = new Mutex();
  return {
    name: "async-mutex runExclusive",
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        const k = i & MASK;
        if (i & 1) await mutex.runExclusive(() => map.get(k));
        else await mutex.runExclusive(() => void map.set(k, i));
      }
    },
  };
}

function pQueue(): Api {
  const map = new Map<number, number>();
  const queue = new PQueue({ concurrency: 1 });
  return {
    name: "p-queue (concurrency 1)",
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        const k = i & MASK;
        if (i & 1) await queue.add(() => map.get(k));
        else await queue.add(() => void map.set(k, i));
      }
    },
  };
}

function xstateActor(): Api {
  type Ev = { type: "get"; k: number } | { type: "set"; k: number; v: number };
  const machine = setup({
    types: {
      context: {} as { map: Map<number, number>; last: number | undefined },
      events: {} as Ev,
    },
  }).createMachine({
    context: { map: new Map(), last: undefined },
    on: {
      get: {
        actions: assign({
          last: ({ context, event }) => context.map.get(event.k),
        }),
      },
      set: {
        actions: ({ context, event }) => {
          context.map.set(event.k, event.v);
        },
      },
    },
  });
  const actor = createActor(machine).start();
  const get = async (k: number) => {
    actor.send({ type: "get", k });
    return actor.getSnapshot().context.last;
  };
  const set = async (k: number, v: number) => {
    actor.send({ type: "set", k, v });
    return actor.getSnapshot().context.last;
  };
  return {
    name: "XState v5 actor send + snapshot",
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await get(i & MASK);
        else await set(i & MASK, i);
      }
    },
  };
}

// ------------------------------------------------------------ the sections

interface GoSeed {
  one: number;
  many: number;
  version: string;
}

interface MixRow {
  name: string;
  one: number;
  many: number;
}

async function mixSection(): Promise<MixRow[]> {
  const apis = [
    rawMap(),
    promiseFloor(),
    promiseFloorNew(),
    writePerCommand(),
    wardenStore(),
    wardenStore(noInspector),
    wardenStoreWith("timeout"),
    wardenStoreWith("signal"),
    wardenOwner(),
    wardenOwner(noInspector),
    wardenOwnerAsync(),
    wardenOwnerAsync(noInspector),
    arrayActor(),
    asyncArrayActor(),
    asyncMutex(),
    pQueue(),
    xstateActor(),
  ].filter((a) =>
    ROWS.length === 0 || a.name.startsWith("promise floor") ||
    ROWS.some((r) => a.name.includes(r))
  );
  const one = await measure(apis.map((a) => [a.name, oneCaller(a)]), 1024);
  const many = await measure(
    apis.map((a) => [a.name, manyCallers(a)]),
    CALLERS * 4,
  );
  return apis.map((a) => ({
    name: a.name,
    one: one.get(a.name)!,
    many: many.get(a.name)!,
  }));
}

async function machineSection(): Promise<MixRow> {
  const machine = new Machine({
    initial: "a",
    states: { a: { on: { go: "b" } }, b: { on: { go: "a" } } },
  });
  const loop = async (_base: number, m: number) => {
    for (let i = 0; i < m; i++) await machine.send("go");
  };
  const api: Api = { name: "warden Machine send()", loop };
  const r = await measure([
    ["one", oneCaller(api)],
    ["many", manyCallers(api)],
  ], CALLERS * 4);
  await machine.close();
  return { name: api.name, one: r.get("one")!, many: r.get("many")! };
}

interface Burst {
  /** Store.set bursts sent to an idle store: each runs inside its call. */
  small: number;
  large: number;
  /** The same bursts sent while a command holds the owner: all queue. */
  queuedSmall: number;
  queuedLarge: number;
  /** The hand-rolled array-queue actor, for comparison. */
  actorSmall: number;
  actorLarge: number;
  /** Bursts of calls to an async function over a Map: no owner at all. */
  floorSmall: number;
  floorLarge: number;
}

/**
 * Per-command throughput of bursts: N commands issued in one turn, then
 * awaited together. "Queued" bursts are sent while an async command holds
 * the owner, so every one of them waits in the queue (the default
 * highWaterMark of 1,024, the rest in the overflow "wait" line).
 */
async function burstSection(): Promise<Burst> {
  const store = new Store<number, number>();
  const burst = (size: number, queued: boolean): Work => async (n) => {
    const times = Math.max(1, Math.round(n / size));
    for (let t = 0; t < times; t++) {
      // The update may itself queue (the owner may still be finishing the
      // last burst): it waits on a gate opened after the burst is sent.
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      const hold = queued
        ? store.update(-1, () => gate.then(() => t))
        : undefined;
      const all: Promise<void>[] = new Array(size);
      for (let i = 0; i < size; i++) all[i] = store.set(i & MASK, i);
      release();
      await hold;
      await Promise.all(all);
    }
    return times * size;
  };
  const actor = new ArrayActor();
  const actorBurst = (size: number): Work => async (n) => {
    const times = Math.max(1, Math.round(n / size));
    for (let t = 0; t < times; t++) {
      const all: Promise<unknown>[] = new Array(size);
      for (let i = 0; i < size; i++) all[i] = actor.call(1, i & MASK, i);
      await Promise.all(all);
    }
    return times * size;
  };
  const map = new Map<number, number>();
  const set = async (k: number, v: number) => {
    map.set(k, v);
  };
  const floorBurst = (size: number): Work => async (n) => {
    const times = Math.max(1, Math.round(n / size));
    for (let t = 0; t < times; t++) {
      const all: Promise<void>[] = new Array(size);
      for (let i = 0; i < size; i++) all[i] = set(i & MASK, i);
      await Promise.all(all);
    }
    return times * size;
  };
  const r = await measure([
    ["1k", burst(1_000, false)],
    ["100k", burst(100_000, false)],
    ["queued 1k", burst(1_000, true)],
    ["queued 100k", burst(100_000, true)],
    ["actor 1k", actorBurst(1_000)],
    ["actor 100k", actorBurst(100_000)],
    ["floor 1k", floorBurst(1_000)],
    ["floor 100k", floorBurst(100_000)],
  ], 100_000);
  await store.close();
  return {
    small: r.get("1k")!,
    large: r.get("100k")!,
    queuedSmall: r.get("queued 1k")!,
    queuedLarge: r.get("queued 100k")!,
    actorSmall: r.get("actor 1k")!,
    actorLarge: r.get("actor 100k")!,
    floorSmall: r.get("floor 1k")!,
    floorLarge: r.get("floor 100k")!,
  };
}

interface Heap {
  /** Bytes of heap per queued command, by API. */
  perCommand: { name: string; bytes: number }[];
  /** Heap after each 1/10 of the soak, bytes. */
  soak: number[];
  soakCommands: number;
}

const QUEUED = 100_000;

async function heapPerQueued(
  name: string,
  issue: (i: number) => Promise<unknown>,
  queued = QUEUED,
  /** Makes the owner busy, so what follows queues; returns its release. */
  hold?: () => () => Promise<unknown>,
): Promise<{ name: string; bytes: number }> {
  const samples: number[] = [];
  for (let r = 0; r < 3; r++) {
    const all: Promise<unknown>[] = new Array(queued).fill(undefined);
    const release = hold?.();
    gc();
    const before = heapUsed();
    for (let i = 0; i < queued; i++) all[i] = issue(i);
    gc(); // still in the same turn: everything issued is queued
    const after = heapUsed();
    await release?.();
    await Promise.all(all);
    samples.push((after - before) / queued);
  }
  return { name, bytes: median(samples) };
}

async function heapSection(): Promise<Heap | undefined> {
  if (!gc()) return undefined;
  const store = new Store<number, number>();
  const actor = new ArrayActor();
  const map = new Map<number, number>();
  const writer = new WritableStream<Cmd>({
    write(c) {
      map.set(c.k, c.v);
      c.resolve(undefined);
    },
  }, { highWaterMark: Infinity }).getWriter();
  const perCommand = [
    await heapPerQueued(
      "warden Store.set",
      (i) => store.set(i & MASK, i),
      QUEUED,
      () => {
        // An idle store runs a set at once: hold it with an async update.
        let release: () => void = () => {};
        const gate = new Promise<void>((r) => (release = r));
        const held = store.update(-1, () => gate.then(() => 0));
        return () => {
          release();
          return held;
        };
      },
    ),
    await heapPerQueued(
      "one write() per command",
      (i) =>
        new Promise((resolve, reject) => {
          writer.write({ op: 1, k: i & MASK, v: i, resolve, reject });
        }),
      10_000, // Node 20's stream queue is quadratic in its depth
    ),
    await heapPerQueued(
      "hand-rolled array-queue actor",
      (i) => actor.call(1, i & MASK, i),
    ),
  ];
  // The soak: 1,000 callers, the get/set mix, heap sampled after each tenth.
  const total = QUICK ? 1_000_000 : 10_000_000;
  const api = wardenStore();
  const work = manyCallers(api);
  const soak: number[] = [];
  for (let part = 0; part < 10; part++) {
    await work(total / 10);
    await tick();
    gc();
    soak.push(heapUsed());
  }
  await store.close();
  return { perCommand, soak, soakCommands: total };
}

interface Entries {
  size: number;
  perSecond: number;
  /** Store ops/s (1,000 callers) while an entries() reader sits stalled. */
  servingWhileStalled: number;
  servingIdle: number;
}

async function entriesSection(): Promise<Entries> {
  const size = QUICK ? 200_000 : 1_000_000;
  // From a generator: no million input pairs kept alive (and scanned by
  // every collection) while the reads are timed.
  function* entries(): Generator<[number, number]> {
    for (let i = 0; i < size; i++) yield [i, i];
  }
  const store = new Store<number, number>(entries());
  const samples: number[] = [];
  for (let r = 0; r < (QUICK ? 2 : 5); r++) {
    gc(); // start clean: not with the garbage of the sections before
    const start = performance.now();
    const reader = store.entries().getReader();
    let count = 0;
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      count++;
    }
    const ms = performance.now() - start;
    if (count !== size) throw new Error(`entries(): read ${count} of ${size}`);
    samples.push((count * 1000) / ms);
  }
  // A reader that takes one entry and then stalls: the owner keeps serving.
  const api = wardenStoreOver(store);
  const work = manyCallers(api);
  const idle = await measure([["idle", work]], CALLERS * 4);
  const stalled = store.entries().getReader();
  await stalled.read();
  const busy = await measure([["stalled", work]], CALLERS * 4);
  await stalled.cancel();
  await store.close();
  return {
    size,
    perSecond: median(samples),
    servingIdle: idle.get("idle")!,
    servingWhileStalled: busy.get("stalled")!,
  };
}

function wardenStoreOver(store: Store<number, number>): Api {
  return {
    name: "warden Store",
    async loop(base, m) {
      for (let i = base; i < base + m; i++) {
        if (i & 1) await store.get(i & MASK);
        else await store.set(i & MASK, i);
      }
    },
  };
}

// ------------------------------------------------------------ report

const fmt = (n: number): string =>
  n >= 1e6
    ? `${(n / 1e6).toFixed(2)}M`
    : n >= 1e3
    ? `${(n / 1e3).toFixed(0)}k`
    : n.toFixed(0);
const x = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
const pad = (s: string, w: number): string => s.padEnd(w);
const lpad = (s: string, w: number): string => s.padStart(w);

function print(line = ""): void {
  console.log(line);
}

async function main(): Promise<void> {
  const goRaw = env("WARDEN_BENCH_GO");
  const go: GoSeed | undefined = goRaw ? JSON.parse(goRaw) : undefined;
  const only = (env("WARDEN_BENCH_ONLY") ?? "").split(",").filter(Boolean);
  const want = (s: string) => only.length === 0 || only.includes(s);
  const t0 = performance.now();
  print(
    `== ${version}${
      QUICK ? " (quick)" : ""
    }: medians of ${ROUNDS} rounds, ~${SAMPLE_MS} ms each`,
  );

  let mix: MixRow[] = [];
  if (want("mix")) {
    mix = await mixSection();
    if (go) {
      mix.push({
        name: `Go seed (${go.version}, 1 process)`,
        one: go.one,
        many: go.many,
      });
    }
    const floor = mix.find((r) => r.name.startsWith("promise floor"))!;
    print();
    print(
      `get/set mix over ${KEYS} keys; ×floor = ops/s ÷ promise floor, same run`,
    );
    print(
      `${pad("", 38)}${lpad("1 caller", 9)}${lpad("×floor", 8)}${
        lpad("1,000 callers", 15)
      }${lpad("×floor", 8)}`,
    );
    for (const row of mix) {
      print(
        `${pad(row.name, 38)}${lpad(fmt(row.one), 9)}${
          lpad(x(row.one, floor.one), 8)
        }${lpad(fmt(row.many), 15)}${lpad(x(row.many, floor.many), 8)}`,
      );
    }
  }

  let machine: MixRow | undefined;
  if (want("machine")) {
    machine = await machineSection();
    print();
    print(
      `Machine transitions/s: ${fmt(machine.one)} (1 caller), ${
        fmt(machine.many)
      } (1,000 callers)`,
    );
  }

  let burst: Burst | undefined;
  if (want("burst")) {
    burst = await burstSection();
    print(
      `Store.set bursts (1k / 100k sent in one turn), cmds/s: idle store ${
        fmt(burst.small)
      } / ${fmt(burst.large)} (${
        x(burst.large, burst.small)
      }); queued behind a running command ${fmt(burst.queuedSmall)} / ${
        fmt(burst.queuedLarge)
      } (${x(burst.queuedLarge, burst.queuedSmall)}); hand-rolled actor ${
        fmt(burst.actorSmall)
      } / ${fmt(burst.actorLarge)} (${
        x(burst.actorLarge, burst.actorSmall)
      }); async fn, no owner ${fmt(burst.floorSmall)} / ${
        fmt(burst.floorLarge)
      } (${x(burst.floorLarge, burst.floorSmall)})`,
    );
  }

  let entries: Entries | undefined;
  if (want("entries")) {
    entries = await entriesSection();
    print(
      `entries() of ${fmt(entries.size)} entries: ${
        fmt(entries.perSecond)
      } entries/s; Store ops/s with a stalled entries() reader open: ${
        fmt(entries.servingWhileStalled)
      } (idle: ${fmt(entries.servingIdle)})`,
    );
  }

  let heap: Heap | undefined;
  if (want("heap")) {
    heap = await heapSection();
    if (heap === undefined) {
      print("heap: skipped (no gc(): run with --expose-gc)");
    } else {
      print(
        `heap per queued command (${fmt(QUEUED)} queued): ${
          heap.perCommand.map((h) => `${h.name} ${h.bytes.toFixed(0)} B`).join(
            ", ",
          )
        }`,
      );
      const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
      print(
        `heap after each tenth of ${fmt(heap.soakCommands)} Store commands: ${
          heap.soak.map(mb).join(", ")
        }`,
      );
    }
  }
  print(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const result = {
    runtime,
    version,
    quick: QUICK,
    rounds: ROUNDS,
    mix,
    machine,
    burst,
    entries,
    heap,
  };
  print(`@@RESULT ${JSON.stringify(result)}`);
}

await main();
