// An owner that has stopped stays stopped: a later close() or abort()
// changes nothing, and commands keep being refused as "closed".
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, Owner } from "../mod.ts";
import { deferred, flushMicrotasks } from "./_helpers.ts";

function refusal(error: unknown): string {
  assert.ok(error instanceof ClosedError);
  return error.message;
}

test("Owner.close() and abort() after close() finished change nothing: commands are still refused as closed", async () => {
  for (const later of ["close", "abort"] as const) {
    const owner = new Owner({}, { run: () => 1 });
    await owner.ask("run");
    await owner.close();
    assert.match(refusal(await owner.ask("run").catch((e) => e)), /is closed/);
    await (later === "close" ? owner.close() : owner.abort(new Error("late")));
    assert.match(
      refusal(await owner.ask("run").catch((e) => e)),
      /is closed/,
      `${later}() after close()`,
    );
  }
});

test("Owner.abort() twice: the second is a no-op and the first reason stays", async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => 1 });
  const blocked = owner.ask("block");
  const first = new Error("first");
  const aborted = owner.abort(first);
  const again = owner.abort(new Error("second"));
  gate.resolve();
  await blocked;
  await Promise.all([aborted, again, owner.closed]);
  assert.match(refusal(await owner.ask("run").catch((e) => e)), /was aborted/);
});

test("Owner.abort() on an idle owner that was busy before stops it, and resolves closed", async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => 1 });
  const blocked = owner.ask("block");
  const queued = owner.ask("run"); // queued: the owner's stream starts
  gate.resolve();
  await blocked;
  assert.equal(await queued, 1);
  await flushMicrotasks(); // idle again, its stream created
  let stopped = false;
  const aborted = owner.abort(new Error("stop")).then(() => (stopped = true));
  await owner.closed;
  await aborted;
  assert.equal(stopped, true);
});

test("Owner.writable.abort(reason) aborts the owner: queued commands reject with the reason", async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => 1 });
  const blocked = owner.ask("block");
  const queued = owner.ask("run");
  const reason = new Error("stream aborted");
  const writer = owner.writable.getWriter();
  const aborted = writer.abort(reason);
  await assert.rejects(queued, (e) => e === reason);
  gate.resolve();
  await blocked;
  await aborted;
  await owner.closed;
  await assert.rejects(owner.ask("run"), ClosedError);
});
