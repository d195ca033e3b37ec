// Linearizability of the Restate host under kill -9: concurrent clients call
// a Restate-hosted Store (3 shards: get, set, delete, has, the "add"
// updater) and Machine (the door's unlock/lock, state) through the ingress
// while restate-server is killed with SIGKILL and started again, then the
// service process is. A call that fails (its time limit passes while a
// process is down) is retried with the same idempotency key until it
// answers: all its attempts are one operation, invoked at the first attempt
// and answered at the last. The whole history is checked against the
// sequential models (tests/lin/checker.ts); a command that ran twice (an
// "add" applied once per attempt) would not fit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { machineClient, storeClient } from "../../src/restate/mod.ts";
import type { Counters, Door } from "./services/definitions.ts";
import { startServer, startService } from "./_server.ts";
import { assertLinearizable } from "../lin/checker.ts";
import { History, type Outcome } from "../lin/history.ts";
import {
  type MachineInput,
  machineModel,
  type MachineOutput,
  type StoreInput,
  storeModel,
  type StoreOutput,
} from "../lin/models.ts";

const CLIENTS = 10;
const OPS = 24; // per client
const KEYS = 5;
const seed = Number(process.env.WARDEN_SEED ?? Date.now() % 2 ** 31);

/** mulberry32: a small seeded generator, [0, 1). */
function random(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const add = (current: number | undefined, by: number): number =>
  (current ?? 0) + by;

/** A TransitionError is `send()`'s answer; anything else: no response. */
const transition = (error: unknown): Outcome<MachineOutput<string>> =>
  (error as Error)?.name === "TransitionError"
    ? { output: { error: "TransitionError" } }
    : "unknown";

test(
  `restate host: kill -9 of restate-server, then of the service, under ${CLIENTS} clients retrying with their idempotency keys leave a linearizable history of a Store and a Machine`,
  { timeout: 180_000 },
  async (t) => {
    await using server = await startServer();
    await using service = await startService(
      "tests/restate/services/store_service.ts",
    );
    await server.register(service.uri);
    const rand = random(seed);
    const stores = new History<
      StoreInput<string, number>,
      StoreOutput<number>
    >();
    const machines = new History<
      MachineInput<string>,
      MachineOutput<string>
    >();
    const store = storeClient<typeof Counters>(server.ingress, {
      service: "counters",
      name: `lin-${seed}`,
      shards: 3,
    });
    const door = machineClient<typeof Door>(server.ingress, {
      service: "door",
      name: `lin-${seed}`,
    });

    // Faults, by the number of answered calls: the server at one point,
    // the service at a later one. Each process is down for a while.
    const serverAt = 40 + Math.floor(rand() * 40);
    const serviceAt = serverAt + 60 + Math.floor(rand() * 40);
    let answered = 0;
    const faults: Promise<void>[] = [];
    const answer = () => {
      answered++;
      if (answered === serverAt) {
        faults.push((async () => {
          await server.kill9();
          await sleep(1_500);
          await server.start();
        })());
      }
      if (answered === serviceAt) {
        faults.push((async () => {
          await service.kill9();
          await sleep(1_500);
          await service.start(); // the same port: the same deployment
        })());
      }
    };

    let attempts = 0;
    let retried = 0;
    /** One operation: attempts with one idempotency key until it answers. */
    const once = async <T>(
      id: string,
      call: (options: { idempotencyKey: string; timeout: number }) => Promise<
        T
      >,
      definite: (error: unknown) => boolean = () => false,
    ): Promise<T> => {
      const deadline = Date.now() + 60_000;
      for (let attempt = 0;; attempt++) {
        attempts++;
        if (attempt > 0) retried++;
        try {
          return await call({ idempotencyKey: id, timeout: 2_000 });
        } catch (error) {
          if (definite(error) || Date.now() > deadline) throw error;
          await sleep(200); // back off while a process is down
        }
      }
    };
    const isTransition = (e: unknown) =>
      (e as Error)?.name === "TransitionError";

    const client = async (c: number) => {
      for (let n = 0; n < OPS; n++) {
        const id = `lin-${seed}-${c}-${n}`;
        const key = `k${Math.floor(rand() * KEYS)}`;
        const r = rand();
        try {
          if (r < 0.25) {
            await stores.record(
              c,
              { op: "get", key },
              () => once(id, (o) => store.with(o).get(key)),
            );
          } else if (r < 0.5) {
            const value = c * 1_000 + n;
            await stores.record(
              c,
              { op: "set", key, value },
              () => once(id, (o) => store.with(o).set(key, value)),
            );
          } else if (r < 0.6) {
            await stores.record(
              c,
              { op: "delete", key },
              () => once(id, (o) => store.with(o).delete(key)),
            );
          } else if (r < 0.7) {
            await stores.record(
              c,
              { op: "has", key },
              () => once(id, (o) => store.with(o).has(key)),
            );
          } else if (r < 0.85) {
            const by = 1 + Math.floor(rand() * 3);
            await stores.record(
              c,
              { op: "update", key, updater: "add", args: [by] },
              () => once(id, (o) => store.with(o).update(key, "add", by)),
            );
          } else if (r < 0.95) {
            const event = rand() < 0.5 ? "unlock" : "lock";
            await machines.record(
              c,
              { op: "send", event },
              () => once(id, (o) => door.with(o).send(event), isTransition),
              { outcome: transition },
            );
          } else {
            await machines.record(
              c,
              { op: "state" },
              () => once(id, (o) => door.with(o).state()),
            );
          }
        } catch {
          // Gave up: recorded without a response.
        }
        answer();
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    await Promise.all(faults);
    // Read everything back into the history.
    for (let k = 0; k < KEYS; k++) {
      await stores.record(
        -1,
        { op: "get", key: `k${k}` },
        () => once(`final-${seed}-${k}`, (o) => store.with(o).get(`k${k}`)),
      );
    }
    await machines.record(
      -1,
      { op: "state" },
      () => once(`final-${seed}-door`, (o) => door.with(o).state()),
    );

    const storeOps = stores.operations;
    const machineOps = machines.operations;
    const unknown =
      [...storeOps, ...machineOps].filter((o) => o.response === Infinity)
        .length;
    t.diagnostic(
      `seed ${seed}: ${storeOps.length} store and ${machineOps.length} machine operations, ${attempts} attempts (${retried} retries), faults at ${serverAt} and ${serviceAt} answers, ${unknown} without a response`,
    );
    assert.equal(faults.length, 2, "both faults happened under load");
    assert.ok(retried > 0, "some calls were retried");
    try {
      assertLinearizable(
        storeModel<string, number>({ updaters: { add } }),
        storeOps,
      );
      assertLinearizable(
        machineModel({
          initial: "locked",
          states: {
            locked: { on: { unlock: "shut" } },
            shut: { on: { lock: "locked" } },
          },
        }),
        machineOps,
      );
    } catch (error) {
      throw new Error(
        `restate linearizability check failed with WARDEN_SEED=${seed}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  },
);
