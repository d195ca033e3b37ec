// A queued command whose handler throws synchronously: its settled event is
// "rejected" with what the handler threw, and the commands behind it run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { deferred } from "./_helpers.ts";
import { recorder } from "./_inspect.ts";

test("Owner inspect: a queued command whose handler throws settles as rejected, with its error; the next one runs", async () => {
  const { events, inspect } = recorder();
  const gate = deferred();
  const boom = new Error("boom");
  const owner = new Owner({}, {
    hold: () => gate.promise,
    fail: () => {
      throw boom;
    },
    ok: () => "ok",
  }, {
    inspect,
  });
  const held = owner.ask("hold");
  const failed = owner.ask("fail");
  const ok = owner.ask("ok");
  gate.resolve();
  await held;
  await assert.rejects(failed, (e) => e === boom);
  assert.equal(await ok, "ok");
  const settled = events.filter((e) => e.type === "settled");
  assert.deepEqual(settled.map((e) => [e.id, e.op]), [
    [1, "hold"],
    [2, "fail"],
    [3, "ok"],
  ]);
  const [, rejected, fulfilled] = settled;
  assert.ok(rejected.type === "settled");
  assert.equal(rejected.outcome, "rejected");
  assert.equal(rejected.error, boom);
  assert.ok(!("value" in rejected));
  assert.ok(fulfilled.type === "settled");
  assert.equal(fulfilled.outcome, "fulfilled");
  assert.deepEqual(owner.stats(), {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 2,
    rejected: 1,
    refused: 0,
  });
});
