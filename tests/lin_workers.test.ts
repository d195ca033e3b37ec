// Linearizability across threads: a Store and a Machine served from this
// thread (serve()), clients in worker threads (connect(), tests/lin/worker.ts)
// and in this thread issuing random operations at once, half of the worker
// threads terminated mid-load. Every call is recorded with a clock shared by
// all threads (an atomic counter in a SharedArrayBuffer) and the history is
// checked against the sequential models (tests/lin/checker.ts). A call of a
// terminated worker that never saw its reply counts as possibly applied.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, Store } from "../mod.ts";
import { type Endpoint, serve } from "../src/workers/mod.ts";
import { assertLinearizable } from "./lin/checker.ts";
import { History, sharedClock } from "./lin/history.ts";
import {
  machineModel,
  type StoreInput,
  storeModel,
  type StoreOutput,
} from "./lin/models.ts";
import {
  machineOperations,
  readLog,
  sharedLog,
  storeOperations,
} from "./lin/shared_log.ts";
import type { LinTask } from "./lin/worker.ts";
import { LIN_EVENTS, LIN_STATES, linMachine } from "./lin/workers_machine.ts";
import { startWorker } from "./_workers.ts";

const WORKERS = 4;
const CLIENTS = 3; // per worker, each sequential
const OPS = 150; // per client
const KEYS = 4;
const seed = Number(process.env.WARDEN_SEED ?? Date.now() % 2 ** 31);

interface Note {
  type: string;
  [field: string]: unknown;
}

interface Spawned {
  endpoint: Endpoint;
  post(task: LinTask): void;
  next(type: string): Promise<Note>;
  terminate(): Promise<void>;
}

const fixture = new URL("./lin/worker.ts", import.meta.url);

/** A worker running tests/lin/worker.ts, started by tests/_workers.ts. */
async function spawn(): Promise<Spawned> {
  const inbox: Note[] = [];
  const waiting: { type: string; resolve(note: Note): void }[] = [];
  let failed: Note | undefined;
  const receive = (data: unknown) => {
    const note = data as Note;
    if (typeof note?.type !== "string") return;
    if (note.type === "error") failed = note;
    const i = waiting.findIndex((w) => w.type === note.type || failed);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(note);
    else inbox.push(note);
  };
  const next = async (type: string) => {
    const i = inbox.findIndex((n) => n.type === type || n.type === "error");
    const note = i >= 0
      ? inbox.splice(i, 1)[0]!
      : await new Promise<Note>((resolve) => waiting.push({ type, resolve }));
    if (note.type === "error") throw new Error(`worker: ${note.error}`);
    return note;
  };
  const worker = await startWorker(fixture, { onMessage: receive });
  return { ...worker, next };
}

test(
  `serve()/connect(): ${WORKERS} worker threads × ${CLIENTS} clients on a served Store and Machine, half terminated mid-load, give a linearizable history`,
  // A safety net, not a timing assertion: under `deno test` the first
  // worker's start type-checks its modules, which can take half a minute
  // on a busy machine (the load and the check take about a second).
  { timeout: 180_000 },
  async (t) => {
    const store = new Store<string, number>();
    const machine = new Machine(linMachine);
    const clockBuffer = new SharedArrayBuffer(4);
    const clock = sharedClock(clockBuffer);
    // Every worker has loaded before the load starts: under `deno test` a
    // worker's start includes type-checking its modules ("Check
    // tests/lin/worker.ts", tens of seconds on a busy machine).
    const workers = await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        const w = await spawn();
        await w.next("ready");
        return w;
      }),
    );
    const servings = workers.flatMap((w) => [
      serve(store, w.endpoint, { name: "lin-store" }),
      serve(machine, w.endpoint, { name: "lin-machine" }),
    ]);
    const logs = workers.map(() => sharedLog(CLIENTS * OPS + 1));
    // This thread is a client too, calling the owner directly.
    const local = new History<StoreInput<string, number>, StoreOutput<number>>(
      { clock },
    );
    let stop = false;
    const localClient = async () => {
      for (let n = 0; !stop; n++) {
        const k = `k${n % KEYS}`;
        if (n % 3 === 0) {
          await local.record(-1, { op: "get", key: k }, () => store.get(k));
        } else if (n % 3 === 1) {
          const value = -1 - n;
          await local.record(
            -1,
            { op: "set", key: k, value },
            () => store.set(k, value),
          );
        } else {
          await local.record(-1, { op: "has", key: k }, () => store.has(k));
        }
        // Let the workers' commands in between.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    };
    const loadBegan = performance.now();
    try {
      workers.forEach((w, i) =>
        w.post({
          type: "run",
          clock: clockBuffer,
          log: logs[i]!,
          firstClient: i * CLIENTS,
          clients: CLIENTS,
          ops: OPS,
          startedAfter: 50 + ((seed + i * 37) % 100),
          keys: KEYS,
          seed: seed + i,
        })
      );
      const localDone = localClient();
      const killed = workers.slice(0, WORKERS / 2);
      const kept = workers.slice(WORKERS / 2);
      await Promise.all(killed.map(async (w) => {
        await w.next("started");
        t.diagnostic(
          `a worker terminated at ${
            (performance.now() - loadBegan).toFixed(0)
          } ms`,
        );
        await w.terminate();
      }));
      await Promise.all(kept.map((w) => w.next("done")));
      stop = true;
      await localDone;
      // A last read of every key: the final state must fit too.
      for (let k = 0; k < KEYS; k++) {
        await local.record(
          -2,
          { op: "get", key: `k${k}` },
          () => store.get(`k${k}`),
        );
      }
      t.diagnostic(`load ran ${(performance.now() - loadBegan).toFixed(0)} ms`);
      const records = logs.flatMap((log) => readLog(log));
      const storeOps = [...storeOperations(records), ...local.operations];
      const machineOps = machineOperations(records, LIN_STATES, LIN_EVENTS);
      const pending = records.filter((r) => r.response === Infinity).length;
      t.diagnostic(
        `seed ${seed}: ${storeOps.length} store and ${machineOps.length} machine operations, ${pending} without a response`,
      );
      // The workers kept to the end answered every call.
      assert.ok(
        storeOps.length + machineOps.length >= (WORKERS / 2) * CLIENTS * OPS,
      );
      const began = performance.now();
      const checked = assertLinearizable(storeModel(), storeOps);
      assert.equal(checked.parts, KEYS);
      const machineChecked = assertLinearizable(
        machineModel(linMachine),
        machineOps,
      );
      t.diagnostic(
        `checked in ${(performance.now() - began).toFixed(0)} ms, ${
          checked.steps + machineChecked.steps
        } search steps`,
      );
    } finally {
      stop = true;
      for (const serving of servings) serving.close();
      await Promise.all(workers.map((w) => w.terminate()));
      await store.close();
      await machine.close();
    }
  },
);
