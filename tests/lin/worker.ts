// A client worker of tests/lin_workers.test.ts: connects to the Store and
// the Machine the test's thread serves, runs sequential clients that issue
// random operations, and logs every call to the SharedArrayBuffer log it was
// given (tests/lin/shared_log.ts), stamped by the shared clock. Not a test.
import type { Machine, Store } from "../../mod.ts";
import { connect, type Endpoint } from "../../src/workers/mod.ts";
import { sharedClock } from "./history.ts";
import { LogWriter, TAGS } from "./shared_log.ts";
import {
  LIN_EVENTS,
  LIN_STATES,
  type LinEvent,
  type LinState,
} from "./workers_machine.ts";

/** The task the test posts. */
export interface LinTask {
  type: "run";
  clock: SharedArrayBuffer;
  log: SharedArrayBuffer;
  /** Client ids are `firstClient`, `firstClient + 1`, …, one per loop. */
  firstClient: number;
  clients: number;
  /** Operations per client. */
  ops: number;
  /** Post `{ type: "started" }` once this many operations responded. */
  startedAfter: number;
  keys: number;
  seed: number;
}

const scope = globalThis as unknown as Partial<Endpoint>;
const parent: Endpoint = typeof scope.postMessage === "function" &&
    typeof scope.addEventListener === "function"
  ? (scope as Endpoint)
  : (await import("node:worker_threads")).parentPort!;
const post = (note: { type: string; [k: string]: unknown }): void =>
  parent.postMessage(note, []);

/** mulberry32: a small seeded generator, [0, 1). */
function random(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function run(task: LinTask): Promise<void> {
  const clock = sharedClock(task.clock);
  const log = new LogWriter(task.log);
  const store = connect<Store<string, number>>(parent, { name: "lin-store" });
  const machine = connect<Machine<LinState, LinEvent, Record<never, never>>>(
    parent,
    { name: "lin-machine" },
  );
  const rand = random(task.seed);
  let responded = 0;
  const done = () => {
    if (++responded === task.startedAfter) post({ type: "started" });
  };
  const client = async (c: number) => {
    for (let n = 0; n < task.ops; n++) {
      const r = rand();
      const key = Math.floor(rand() * task.keys);
      const k = `k${key}`;
      if (r < 0.3) {
        const i = log.invoke(c, "get", key, 0, clock());
        const v = await store.get(k);
        log.respond(
          i,
          v === undefined ? TAGS.undefined : TAGS.number,
          v ?? 0,
          clock(),
        );
      } else if (r < 0.65) {
        const value = c * 100_000 + n; // every value written once
        const i = log.invoke(c, "set", key, value, clock());
        await store.set(k, value);
        log.respond(i, TAGS.undefined, 0, clock());
      } else if (r < 0.75) {
        const i = log.invoke(c, "delete", key, 0, clock());
        const b = await store.delete(k);
        log.respond(i, TAGS.boolean, b ? 1 : 0, clock());
      } else if (r < 0.85) {
        const i = log.invoke(c, "has", key, 0, clock());
        const b = await store.has(k);
        log.respond(i, TAGS.boolean, b ? 1 : 0, clock());
      } else if (r < 0.95) {
        const e = Math.floor(rand() * LIN_EVENTS.length);
        const i = log.invoke(c, "send", 0, e, clock());
        try {
          const s = await machine.send(LIN_EVENTS[e]!);
          log.respond(i, TAGS.state, LIN_STATES.indexOf(s), clock());
        } catch (error) {
          if ((error as Error)?.name !== "TransitionError") throw error;
          log.respond(i, TAGS.transitionError, 0, clock());
        }
      } else {
        const i = log.invoke(c, "state", 0, 0, clock());
        const s = await machine.state();
        log.respond(i, TAGS.state, LIN_STATES.indexOf(s), clock());
      }
      done();
    }
  };
  await Promise.all(
    Array.from(
      { length: task.clients },
      (_, j) => client(task.firstClient + j),
    ),
  );
  await store.close();
  await machine.close();
  post({ type: "done" });
}

const receive = (data: unknown): void => {
  const task = data as LinTask;
  if (task?.type !== "run") return; // serve()/connect() traffic
  run(task).catch((error: unknown) =>
    post({ type: "error", error: String((error as Error)?.stack ?? error) })
  );
};
if (parent.addEventListener) {
  parent.addEventListener("message", (event) => receive(event.data));
} else parent.on?.("message", receive);
post({ type: "ready" });
