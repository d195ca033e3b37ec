// Crash tests, not restarts: workerd (through miniflare, storage persisted
// on disk) is killed with SIGKILL by its pid in the middle of a load of
// concurrent changing commands, then started again on the same folder.
// Every command whose reply a client saw must be in the state; a command
// that failed may be there or not, but never half-applied.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { start, workerdChildren } from "./_miniflare.ts";

const CRASHES = Number(process.env.WARDEN_CRASHES ?? 21);
const CLIENTS = 12;
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

interface Log {
  items: number[];
  count: number;
}

test(
  `durableStore: ${CRASHES} kill -9 of workerd at seeded random points under concurrent load lose no acknowledged command and half-apply none`,
  { timeout: 600_000 },
  async (t) => {
    const rand = random(seed);
    const dir = await mkdtemp(join(tmpdir(), "warden-crash-"));
    /** key -> value of every acknowledged set (each key is set once). */
    const acked = new Map<string, number>();
    const ackedPushes = new Set<number>();
    const sentPushes = new Set<number>();
    let failed = 0;
    let next = 0;
    const check = async (
      worker: Awaited<ReturnType<typeof start>>,
      at: string,
    ) => {
      const log = (await worker.get("/get?name=crashlog&key=log")).value as
        | Log
        | null;
      const items = log?.items ?? [];
      assert.equal(log?.count ?? 0, items.length, `${at}: log half-applied`);
      assert.equal(new Set(items).size, items.length, `${at}: an item twice`);
      for (const item of items) {
        assert.ok(sentPushes.has(item), `${at}: item ${item} never sent`);
      }
      const have = new Set(items);
      for (const item of ackedPushes) {
        assert.ok(have.has(item), `${at}: acknowledged push ${item} lost`);
      }
      const entries = new Map(
        (await worker.get("/entries?name=crash&shards=4")).value as [
          string,
          number,
        ][],
      );
      for (const [key, value] of acked) {
        assert.equal(
          entries.get(key),
          value,
          `${at}: acknowledged set ${key}=${value} lost`,
        );
      }
    };
    try {
      for (let crash = 1; crash <= CRASHES + 1; crash++) {
        const worker = await start(dir);
        let killed = false;
        try {
          await check(worker, `after crash ${crash - 1}`);
          if (crash > CRASHES) break;
          const pids = workerdChildren();
          assert.equal(pids.length, 1, `one workerd child, found ${pids}`);
          const client = async (c: number) => {
            while (!killed) {
              const id = next++;
              const push = rand() < 0.5;
              try {
                if (push) {
                  sentPushes.add(id);
                  const r = await worker.get(
                    `/push?name=crashlog&key=log&item=${id}`,
                  );
                  if (r.error === undefined) ackedPushes.add(id);
                  else failed++;
                } else {
                  const r = await worker.get(
                    `/set?name=crash&shards=4&key=k${c}-${id}&value=${id}`,
                  );
                  if (r.error === undefined) acked.set(`k${c}-${id}`, id);
                  else failed++;
                }
              } catch {
                failed++; // the connection died with workerd: outcome unknown
              }
            }
          };
          const load = Array.from({ length: CLIENTS }, (_, c) => client(c));
          await sleep(50 + Math.floor(rand() * 400));
          process.kill(pids[0]!, "SIGKILL");
          killed = true;
          await Promise.all(load);
        } finally {
          await worker.mf.dispose().catch(() => {});
        }
      }
      t.diagnostic(
        `seed ${seed}: ${CRASHES} crashes, ${acked.size} sets and ${ackedPushes.size} pushes acknowledged, ${failed} failed or unknown`,
      );
      assert.ok(acked.size + ackedPushes.size > CRASHES, "the load ran");
    } catch (error) {
      throw new Error(
        `crash test failed with WARDEN_SEED=${seed}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
