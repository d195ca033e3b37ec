// Soak: millions of mixed commands through a Store, an Owner and a Machine,
// with live watchers (readers that keep up, readers that never read,
// readers that cancel), streamed snapshots, per-command signals and
// timeouts, and overflow refusals. Checks that every command settles
// exactly once, that the final state is the expected one, that nothing is
// pending at the end, and that the heap stays flat once warm.
//
//   npm run soak                              # Node, 10M commands
//   node --import tsx tests/soak/soak.ts 1000000
//   deno run -A --v8-flags=--expose-gc tests/soak/soak.ts 1000000
//   bun tests/soak/soak.ts 1000000
//   WARDEN_SOAK_COMMANDS=1000000 npm run soak
//
// Exit code 1 on any failed check. The last line is a JSON summary.
import process from "node:process";
import {
  ClosedError,
  Machine,
  OverflowError,
  Owner,
  Store,
  TimeoutError,
} from "../../mod.ts";
import { loadGc } from "../_helpers.ts";

// ---------------------------------------------------------------- runtime

interface RuntimeGlobals {
  Deno?: { version: { deno: string }; memoryUsage(): { heapUsed: number } };
  Bun?: { version: string };
}
const g = globalThis as unknown as RuntimeGlobals;
const runtime = g.Deno
  ? `Deno ${g.Deno.version.deno}`
  : g.Bun
  ? `Bun ${g.Bun.version}`
  : `Node ${process.version}`;

function heapUsed(): number {
  return g.Deno
    ? g.Deno.memoryUsage().heapUsed
    : process.memoryUsage().heapUsed;
}

const arg = process.argv.slice(2).find((a) => /^\d[\d_]*$/.test(a));
const TOTAL = Number(
  (arg ?? process.env.WARDEN_SOAK_COMMANDS ?? "10000000").replaceAll("_", ""),
);
if (!Number.isSafeInteger(TOTAL) || TOTAL < 10_000) {
  console.error(
    `soak: the command count must be an integer >= 10000, received ${
      arg ?? process.env.WARDEN_SOAK_COMMANDS
    }`,
  );
  process.exit(2);
}

// ---------------------------------------------------------------- workload

const KEYS = 4096;
const HOT = KEYS; // one key written ~100 times a round
const ROUND = 2000; // commands issued concurrently per round
const failures: string[] = [];
function check(ok: boolean, what: string): void {
  if (!ok && failures.length < 20) failures.push(what);
}

let issued = 0;
let settled = 0;
let settledTwice = 0;
const counts = {
  ok: 0,
  overflow: 0,
  timeout: 0,
  aborted: 0,
  closed: 0,
  other: 0,
};
const abortReason = new Error("caller gave up");

/** Counts one reply; it must come exactly once. */
function track(reply: Promise<unknown>): Promise<void> {
  issued++;
  let done = false;
  const once = () => {
    if (done) settledTwice++;
    done = true;
    settled++;
  };
  return reply.then(
    () => {
      once();
      counts.ok++;
    },
    (error: unknown) => {
      once();
      if (error instanceof OverflowError) counts.overflow++;
      else if (error instanceof TimeoutError) counts.timeout++;
      else if (error === abortReason) counts.aborted++;
      else if (error instanceof ClosedError) counts.closed++;
      else {
        counts.other++;
        check(false, `unexpected rejection: ${String(error)}`);
      }
    },
  );
}

const store = new Store<number, number>([], {
  highWaterMark: 4096,
  watchBuffer: 64,
});
const rejecting = new Store<number, number>([], {
  highWaterMark: 64,
  overflow: "reject",
});
const counter = new Owner({ n: 0, log: [] as number[] }, {
  inc(s) {
    return ++s.n;
  },
  async incLater(s) {
    await Promise.resolve();
    return ++s.n;
  },
  remember(s, x: number) {
    s.log.push(x);
    if (s.log.length > 256) s.log = s.log.slice(-128); // bounded by the handler
    return s.log.length;
  },
  *recent(s) {
    yield* s.log.slice(-16);
  },
  read: (s) => s.n,
});
const conn = new Machine({
  initial: "idle",
  context: { sent: 0 },
  states: {
    idle: {
      on: {
        send: {
          target: "inflight",
          action: (c: { sent: number }) => void c.sent++,
        },
        close: "closing",
      },
    },
    inflight: { on: { done: "idle" } },
    closing: {},
  },
});

let incs = 0; // counter.inc / incLater that resolved
let machineSends = 0; // issued; every one must resolve
let updatesOk = 0;
let watchersRead = 0;
let watchersOverflowed = 0;
let watchersCancelled = 0;
let snapshotsRead = 0;

/** Live watchers, oldest first: each is cancelled after 16 rounds. */
const live: {
  round: number;
  reader: ReadableStreamDefaultReader<number | undefined>;
  done: Promise<void>;
}[] = [];
let liveHead = 0;

/** A watcher that reads `n` values, then cancels (mid-stream). */
function readSome(
  r: number,
  stream: ReadableStream<number | undefined>,
  n: number,
): void {
  const reader = stream.getReader();
  const done = (async () => {
    try {
      for (let i = 0; i < n; i++) {
        const { done } = await reader.read();
        if (done) return;
        watchersRead++;
      }
      await reader.cancel();
      watchersCancelled++;
    } catch (error) {
      check(error instanceof OverflowError, `watcher failed: ${String(error)}`);
    }
  })();
  live.push({ round: r, reader, done });
}

/** A watcher nobody reads: on a hot key it must overflow and let go. */
function neverRead(
  r: number,
  stream: ReadableStream<number | undefined>,
): void {
  const reader = stream.getReader();
  const done = reader.closed.then(
    () => {},
    (error) => {
      check(
        error instanceof OverflowError,
        `idle watcher failed: ${String(error)}`,
      );
      if (error instanceof OverflowError) watchersOverflowed++;
    },
  );
  live.push({ round: r, reader, done });
}

/** Cancels the watchers older than `age` rounds (all, at the end). */
async function retire(r: number, age: number): Promise<void> {
  const stopping: Promise<void>[] = [];
  while (liveHead < live.length && live[liveHead].round <= r - age) {
    const { reader, done } = live[liveHead];
    live[liveHead++] = undefined as never;
    stopping.push(reader.cancel().catch(() => {}), done);
  }
  if (liveHead > 1024) live.splice(0, liveHead), liveHead = 0;
  await Promise.all(stopping);
}

async function readSnapshot(
  stream: ReadableStream<[number, number]>,
): Promise<void> {
  let n = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
    n++;
  }
  check(n <= KEYS, `snapshot of ${n} entries`);
  snapshotsRead++;
}

async function round(r: number): Promise<void> {
  const replies: Promise<void>[] = [];
  const side: Promise<void>[] = [];
  const controller = new AbortController();
  setMaxListeners?.(ROUND, controller.signal); // one listener per command: fine
  const careful = store.with({ signal: controller.signal });
  const timed = store.with({ timeout: 60_000 });
  // An idle store runs a command at once, so nothing would ever queue on
  // the rejecting store: an async update holds it for a microtask, and the
  // round's ~100 sets to it queue behind, past 64 refused.
  replies.push(track(rejecting.update(-1, async (v = 0) => {
    await Promise.resolve();
    return v + 1;
  })));
  for (let i = 0; i < ROUND; i++) {
    const k = (r * 7919 + i * 104729) % KEYS;
    const pick = (r + i) % 20;
    switch (pick) {
      case 0:
      case 1:
      case 2:
      case 3:
      case 4:
        replies.push(track(store.get(k)));
        break;
      case 5:
      case 6:
      case 7:
        replies.push(track(store.set(k, i)));
        break;
      case 8:
      case 9:
        replies.push(
          track(store.update(k, (v = 0) => v + 1).then(() => void updatesOk++)),
        );
        break;
      case 10:
        replies.push(track(
          store.update(k, async (v = 0) => {
            await Promise.resolve();
            return v + 1;
          }).then(() => void updatesOk++),
        ));
        break;
      case 11:
        replies.push(track(store.delete(k)));
        break;
      case 12:
        replies.push(track(careful.set(k, -i))); // some aborted while queued
        break;
      case 13:
        replies.push(track(timed.has(k))); // a timer per command, cleared
        break;
      case 14:
        replies.push(track(counter.ask("inc").then(() => void incs++)));
        break;
      case 15:
        replies.push(track(counter.ask("incLater").then(() => void incs++)));
        break;
      case 16:
        replies.push(track(counter.ask("remember", i)));
        break;
      case 17:
        replies.push(track(rejecting.set(k, i))); // past 64 queued: OverflowError
        break;
      case 18:
        // Strictly alternating: each send is legal in the state the one
        // before it leaves (the owner's order is the issue order).
        replies.push(
          track(conn.send(machineSends++ % 2 === 0 ? "send" : "done")),
        );
        break;
      default:
        replies.push(track(i % 2 === 0 ? store.set(HOT, i) : store.size()));
    }
  }
  // Abort the signal while half the round is still queued.
  queueMicrotask(() => controller.abort(abortReason));
  if (r % 4 === 0) {
    readSome(r, store.watch(HOT), 4);
    readSome(r, store.watch(r % KEYS), 2);
    neverRead(r, store.watch(HOT));
  }
  if (r % 32 === 0) {
    side.push(readSnapshot(store.entries()));
    const recent = counter.stream("recent").getReader();
    side.push(recent.read().then(() => recent.cancel())); // cancels mid-stream
  }
  await Promise.all(replies);
  await Promise.all(side);
  await retire(r, 16);
}

// ---------------------------------------------------------------- run

const gc = await loadGc();
let setMaxListeners: ((n: number, target: EventTarget) => void) | undefined;
try {
  const { EventEmitter } = await import("node:events");
  setMaxListeners = (n, target) => EventEmitter.setMaxListeners(n, target);
} catch {
  // not every runtime has it; the warning is harmless
}
const rounds = Math.ceil(TOTAL / ROUND);
const samples: { at: number; heapMB: number }[] = [];
const sample = (at: number) => {
  gc?.();
  samples.push({ at, heapMB: Math.round(heapUsed() / 1e5) / 10 });
};
console.log(
  `soak: ${TOTAL.toLocaleString("en-US")} commands on ${runtime}${
    gc ? "" : " (no forced GC: heap figures are noisy)"
  }`,
);
sample(0);
const started = performance.now();
const every = Math.max(1, Math.floor(rounds / 10));
for (let r = 0; r < rounds; r++) {
  await round(r);
  if ((r + 1) % every === 0 || r === rounds - 1) {
    sample(issued);
    const last = samples[samples.length - 1];
    console.log(
      `  ${issued.toLocaleString("en-US")} commands, heap ${last.heapMB} MB`,
    );
  }
}
const seconds = (performance.now() - started) / 1000;

// Everything settles, then the owners stop with nothing pending.
const finalCount = await counter.ask("read");
await Promise.all([
  store.close(),
  rejecting.close(),
  counter.close(),
  conn.close(),
]);
await retire(Infinity, 0); // closing ended their streams: these return at once
check(settled === issued, `settled ${settled} of ${issued}`);
check(settledTwice === 0, `${settledTwice} replies settled twice`);
check(finalCount === incs, `counter ${finalCount}, expected ${incs}`);
check(
  machineSends > 0 && counts.overflow > 0 && counts.aborted > 0,
  "every path was exercised",
);
check(
  watchersOverflowed > 0 && watchersCancelled > 0 && snapshotsRead > 0,
  "every stream path was exercised",
);
let late = false;
await store.get(0).catch((error) => (late = error instanceof ClosedError));
check(late, "a closed store refuses with ClosedError");
sample(issued);

// The heap once warm (after the first tenth) against the end.
const warm = samples[Math.min(2, samples.length - 1)].heapMB;
const peak = Math.max(...samples.map((s) => s.heapMB));
const end = samples[samples.length - 1].heapMB;
const growthMB = Math.round((end - warm) * 10) / 10;
// Flat: the end may not exceed the warm heap by more than 16 MB (or 50%).
// Without a forced GC the figures are whatever the collector left: not checked.
if (gc) {
  check(
    end <= Math.max(warm * 1.5, warm + 16),
    `heap grew from ${warm} MB (warm) to ${end} MB`,
  );
}

const summary = {
  runtime,
  commands: issued,
  seconds: Math.round(seconds * 10) / 10,
  opsPerSecond: Math.round(issued / seconds),
  heapMB: { start: samples[0].heapMB, warm, peak, end, growth: growthMB },
  forcedGc: gc !== undefined,
  outcomes: counts,
  updates: updatesOk,
  machineSends,
  watchers: {
    valuesRead: watchersRead,
    cancelled: watchersCancelled,
    overflowed: watchersOverflowed,
  },
  snapshotsRead,
  failures,
};
console.log(JSON.stringify(summary));
if (failures.length > 0) {
  console.error(`soak FAILED:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
