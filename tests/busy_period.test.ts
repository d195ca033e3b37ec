// The engine keeps one sink write open across a busy period: commands sent
// by callers that a batch's replies resumed run in the same write. These
// tests pin the contract across such periods (order, close, abort, room).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, Owner } from "../mod.ts";
import { deferred } from "./_helpers.ts";

test("Owner: a sequential caller's commands run in order across one busy period", async () => {
  const owner = new Owner({ log: [] as number[] }, {
    push: (s, n: number) => s.log.push(n),
    log: (s) => [...s.log],
  });
  for (let i = 0; i < 500; i++) assert.equal(await owner.ask("push", i), i + 1);
  const log = await owner.ask("log");
  assert.deepEqual(log, Array.from({ length: 500 }, (_, i) => i));
  await owner.close();
});

test("Owner: a command sent after an async handler's reply runs after it, in a busy period", async () => {
  const gate = deferred();
  const order: string[] = [];
  const owner = new Owner({}, {
    async slow() {
      await gate.promise;
      order.push("slow");
    },
    fast: () => void order.push("fast"),
  });
  const chain = owner.ask("slow").then(() => owner.ask("fast"));
  const early = owner.ask("fast");
  gate.resolve();
  await Promise.all([chain, early]);
  assert.deepEqual(order, ["slow", "fast", "fast"]);
  await owner.close();
});

test("Owner.close() during a busy period runs what is queued, then refuses", async () => {
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n });
  const results: number[] = [];
  const caller = (async () => {
    for (let i = 0; i < 100; i++) {
      const n = await owner.ask("inc").catch((e: unknown) => e);
      if (typeof n !== "number") return n;
      results.push(n);
      if (n === 50) void owner.close(); // mid-period
    }
  })();
  const refusal = await caller;
  assert.ok(refusal instanceof ClosedError);
  assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i + 1));
  await owner.closed;
});

test("Owner.abort() during a busy period rejects queued commands and stops", async () => {
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    block: () => gate.promise,
    inc: (s) => ++s.n,
  });
  const blocked = owner.ask("block"); // the owner is busy: what follows queues
  const done: number[] = [];
  const queued: Promise<unknown>[] = [];
  for (let i = 0; i < 10; i++) {
    queued.push(
      owner.ask("inc").then((n) => {
        done.push(n);
        // A caller resumed by a reply sends more, then the owner is aborted
        // before the next turn: those never run.
        if (n === 10) {
          queued.push(owner.ask("inc"), owner.ask("inc"));
          void owner.abort(new Error("stop"));
        }
      }),
    );
  }
  gate.resolve();
  await blocked;
  await Promise.all(queued.slice(0, 10));
  const late = await Promise.allSettled(queued.slice(10));
  assert.deepEqual(done, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(
    late.map((r) => r.status === "rejected" && (r.reason as Error).message),
    ["stop", "stop"],
  );
  await owner.closed;
});

test("Owner: backpressure holds across a busy period (highWaterMark 2, overflow reject)", async () => {
  // Async: the first of the first round runs at once and keeps the owner
  // busy, so the next two queue and the fourth finds the queue full. Later
  // rounds arrive while the busy period still holds the stream's write:
  // they queue from the first, so two are accepted and two refused.
  const owner = new Owner({ n: 0 }, { inc: async (s) => ++s.n }, {
    highWaterMark: 2,
    overflow: "reject",
  });
  let accepted = 0;
  let refused = 0;
  for (let round = 0; round < 20; round++) {
    const results = await Promise.allSettled([
      owner.ask("inc"),
      owner.ask("inc"),
      owner.ask("inc"),
      owner.ask("inc"),
    ]);
    assert.equal(results[3].status, "rejected"); // never more than 2 waiting
    for (const r of results) r.status === "fulfilled" ? accepted++ : refused++;
  }
  assert.equal(accepted, 3 + 19 * 2);
  assert.equal(refused, 1 + 19 * 2);
  await owner.close();
});
