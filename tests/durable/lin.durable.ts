// Linearizability of the Durable Objects host under kill -9: concurrent
// clients call a hosted Store (4 shards: get, set, delete, has, the "add"
// updater), a one-shard Store (get, set, delete, size, clear) and a hosted
// Machine (send, state) through the test Worker
// (tests/durable/worker.ts) on workerd, which is killed with SIGKILL by its
// pid after a seeded random number of replies, then started again on the
// same storage folder, several times. Every call is recorded (one clock, in
// this process) and the whole history, across the crashes, is checked
// against the sequential models (tests/lin/checker.ts). A call that failed
// or whose connection died with workerd counts as possibly applied.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, workerdChildren } from "./_miniflare.ts";
import { assertLinearizable, check } from "../lin/checker.ts";
import { History, type Outcome } from "../lin/history.ts";
import {
  type MachineInput,
  machineModel,
  type MachineOutput,
  type StoreInput,
  storeModel,
  type StoreOutput,
} from "../lin/models.ts";

const CRASHES = Number(process.env.WARDEN_CRASHES ?? 6);
const CLIENTS = 8;
const KEYS = 6;
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

/** The error a route replied with, as an exception. */
class RouteError extends Error {
  constructor(error: Record<string, unknown>) {
    super(String(error.message));
    this.name = String(error.name);
  }
}

/** A TransitionError is `send()`'s answer; anything else: no response. */
const transition = (error: unknown): Outcome<MachineOutput<string>> =>
  error instanceof RouteError && error.name === "TransitionError"
    ? { output: { error: "TransitionError" } }
    : "unknown";

const add = (current: number | undefined, by: number): number =>
  (current ?? 0) + by;

test(
  `durable host: ${CRASHES} kill -9 of workerd under ${CLIENTS} concurrent clients leave a linearizable history of two Stores and a Machine`,
  { timeout: 120_000 },
  async (t) => {
    const rand = random(seed);
    const dir = await mkdtemp(join(tmpdir(), "warden-lin-"));
    const stores = new History<
      StoreInput<string, number>,
      StoreOutput<number>
    >();
    const wholes = new History<
      StoreInput<string, number>,
      StoreOutput<number>
    >();
    const machines = new History<
      MachineInput<string>,
      MachineOutput<string>
    >();
    let value = 0;
    try {
      for (let round = 0; round <= CRASHES; round++) {
        const worker = await start(dir);
        try {
          const get = async (path: string): Promise<unknown> => {
            const reply = await worker.get(path);
            if (reply.error !== undefined) throw new RouteError(reply.error);
            return reply.value ?? undefined; // the route sends null for none
          };
          if (round === CRASHES) {
            // After the last crash: read everything back, into the history.
            for (let k = 0; k < KEYS; k++) {
              await stores.record(
                -1,
                { op: "get", key: `k${k}` },
                () =>
                  get(`/get?name=lin&shards=4&key=k${k}`) as Promise<number>,
              );
            }
            await machines.record(
              -1,
              { op: "state" },
              () => get(`/machine/state?name=lin`) as Promise<string>,
              { outcome: transition },
            );
            await wholes.record(
              -1,
              { op: "size" },
              () => get(`/size?name=lin-whole`) as Promise<number>,
            );
            break;
          }
          const pids = workerdChildren();
          assert.equal(pids.length, 1, `one workerd child, found ${pids}`);
          // Kill after a seeded number of replies: a point inside the load.
          const killAfter = 50 + Math.floor(rand() * 150);
          let replies = 0;
          let killed = false;
          const replied = () => {
            if (++replies === killAfter) {
              process.kill(pids[0]!, "SIGKILL");
              killed = true;
            }
          };
          /** A call on the one-shard store: size() and clear() are one command. */
          const whole = (c: number) => {
            const r = rand();
            const key = `k${Math.floor(rand() * 3)}`;
            const q = `name=lin-whole&key=${key}`;
            if (r < 0.3) {
              return wholes.record(
                c,
                { op: "size" },
                () => get(`/size?name=lin-whole`) as Promise<number>,
              );
            }
            if (r < 0.4) {
              return wholes.record(
                c,
                { op: "clear" },
                () => get(`/clear?name=lin-whole`) as Promise<undefined>,
              );
            }
            if (r < 0.75) {
              const v = ++value;
              return wholes.record(
                c,
                { op: "set", key, value: v },
                () => get(`/set?${q}&value=${v}`) as Promise<undefined>,
              );
            }
            if (r < 0.85) {
              return wholes.record(
                c,
                { op: "delete", key },
                () => get(`/delete?${q}`) as Promise<boolean>,
              );
            }
            return wholes.record(
              c,
              { op: "get", key },
              () => get(`/get?${q}`) as Promise<number | undefined>,
            );
          };
          const client = async (c: number) => {
            while (!killed) {
              const r = rand();
              const key = `k${Math.floor(rand() * KEYS)}`;
              const q = `name=lin&shards=4&key=${key}`;
              try {
                if (r < 0.2) {
                  await whole(c);
                } else if (r < 0.25) {
                  await stores.record(
                    c,
                    { op: "get", key },
                    () => get(`/get?${q}`) as Promise<number | undefined>,
                  );
                } else if (r < 0.5) {
                  const v = ++value;
                  await stores.record(
                    c,
                    { op: "set", key, value: v },
                    () => get(`/set?${q}&value=${v}`) as Promise<undefined>,
                  );
                } else if (r < 0.6) {
                  await stores.record(
                    c,
                    { op: "delete", key },
                    () => get(`/delete?${q}`) as Promise<boolean>,
                  );
                } else if (r < 0.7) {
                  await stores.record(
                    c,
                    { op: "has", key },
                    () => get(`/has?${q}`) as Promise<boolean>,
                  );
                } else if (r < 0.85) {
                  const by = 1 + Math.floor(rand() * 3);
                  await stores.record(
                    c,
                    { op: "update", key, updater: "add", args: [by] },
                    () =>
                      get(`/update?${q}&updater=add&by=${by}`) as Promise<
                        number
                      >,
                  );
                } else if (r < 0.95) {
                  const event = rand() < 0.5 ? "send" : "done";
                  await machines.record(
                    c,
                    { op: "send", event },
                    () =>
                      get(`/machine/send?name=lin&event=${event}`) as Promise<
                        string
                      >,
                    { outcome: transition },
                  );
                } else {
                  await machines.record(
                    c,
                    { op: "state" },
                    () => get(`/machine/state?name=lin`) as Promise<string>,
                    { outcome: transition },
                  );
                }
                replied();
              } catch {
                // Recorded without a response: workerd died, or the call
                // failed; it may or may not have taken effect.
              }
            }
          };
          await Promise.all(
            Array.from({ length: CLIENTS }, (_, c) => client(c)),
          );
        } finally {
          await worker.mf.dispose().catch(() => {});
        }
      }
      const storeOps = stores.operations;
      const wholeOps = wholes.operations;
      const machineOps = machines.operations;
      const unknown = [...storeOps, ...wholeOps, ...machineOps].filter((o) =>
        o.response === Infinity
      ).length;
      t.diagnostic(
        `seed ${seed}: ${storeOps.length} store, ${wholeOps.length} one-shard store and ${machineOps.length} machine operations over ${CRASHES} crashes, ${unknown} without a response`,
      );
      assert.ok(storeOps.length - unknown > CRASHES * 10, "the load ran");
      const checked = assertLinearizable(
        storeModel<string, number>({ updaters: { add } }),
        storeOps,
      );
      assertLinearizable(
        machineModel({
          initial: "idle",
          states: {
            idle: { on: { send: "inflight", close: "closing" } },
            inflight: { on: { done: "idle", close: "closing" } },
            closing: {},
          },
        }),
        machineOps,
      );
      // size() and clear() read or change every key: one part.
      const wholeChecked = assertLinearizable(
        storeModel<string, number>(),
        wholeOps,
      );
      assert.equal(wholeChecked.parts, 1);
      t.diagnostic(`checked in ${checked.parts} parts`);
    } catch (error) {
      throw new Error(
        `durable linearizability check failed with WARDEN_SEED=${seed}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  "durable host: the same check rejects a naive Durable Object's read-await-write increment and accepts the hosted store's",
  { timeout: 120_000 },
  async () => {
    const worker = await start();
    try {
      const model = storeModel<string, number>({
        updaters: { add, slowAdd: add },
      });
      const input = {
        op: "update",
        key: "count",
        updater: "add",
        args: [1],
      } as const;
      // The naive object reads, awaits a gate that opens once all three
      // wait, then writes: each of the three increments reads 0.
      const naive = new History<
        StoreInput<string, number>,
        StoreOutput<number>
      >();
      const counts = await Promise.all(
        [0, 1, 2].map((c) =>
          naive.record(c, input, async () => {
            const response = await worker.mf.dispatchFetch(
              "http://localhost/naive?n=3",
            );
            return await response.json() as number;
          })
        ),
      );
      assert.deepEqual(counts, [1, 1, 1]);
      const result = check(model, naive.operations);
      assert.equal(result.ok, false);
      assert.equal(result.window?.operations.length, 3);
      assert.match(result.window!.text, /update\("count", "add", 1\) -> 1/);
      // The hosted store's slowAdd awaits I/O between its read and its
      // write too, but its owner runs one command at a time.
      const hosted = new History<
        StoreInput<string, number>,
        StoreOutput<number>
      >();
      await Promise.all(
        [0, 1, 2].map((c) =>
          hosted.record(c, { ...input, updater: "slowAdd" }, async () => {
            const reply = await worker.get(
              "/update?name=lin-slow&key=count&updater=slowAdd&by=1",
            );
            return reply.value as number;
          })
        ),
      );
      assert.equal(check(model, hosted.operations).ok, true);
      assert.deepEqual(
        hosted.operations.map((o) => o.output).sort(),
        [1, 2, 3],
      );
    } finally {
      await worker.mf.dispose();
    }
  },
);
