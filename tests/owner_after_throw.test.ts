// After a handler run at once on an idle owner throws, the owner is idle
// again and not mid-handler: a command that always goes through the queue
// (stream(), a raw write) runs, and is not refused as re-entrant.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { collect } from "./_helpers.ts";

function owner() {
  const boom = new Error("boom");
  return {
    boom,
    owner: new Owner({ n: 3 }, {
      fail: () => {
        throw boom;
      },
      *count(s) {
        for (let i = 1; i <= s.n; i++) yield i;
      },
      add: (s, by: number) => (s.n += by),
    }),
  };
}

test("Owner.stream() right after an idle ask() whose handler threw runs, not refused as re-entrant", async () => {
  const { boom, owner: o } = owner();
  const failed = o.ask("fail");
  const stream = o.stream("count");
  await assert.rejects(failed, (e) => e === boom);
  assert.deepEqual(await collect(stream), [1, 2, 3]);
});

test("Owner.writable: a raw write right after an idle ask() whose handler threw runs", async () => {
  const { boom, owner: o } = owner();
  const writer = o.writable.getWriter();
  const failed = o.ask("fail");
  const raw = new Promise((resolve, reject) => {
    void writer.write({ op: "add", args: [2], reply: { resolve, reject } });
  });
  await assert.rejects(failed, (e) => e === boom);
  assert.equal(await raw, 5);
  writer.releaseLock();
  await o.close();
});
