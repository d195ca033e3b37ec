// What an owner does when stopping runs into user code that throws: the
// error goes to onError, and the owner still stops and resolves `closed`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, Machine } from "../mod.ts";
import { manualClock } from "./_helpers.ts";

/** A manual clock whose clearTimeout throws. */
function throwingClock(failure: Error) {
  const clock = manualClock();
  return {
    setTimeout: clock.setTimeout,
    clearTimeout: () => {
      throw failure;
    },
    pending: clock.pending,
  };
}

for (const stop of ["close", "abort"] as const) {
  test(`Machine.${stop}(): a clock whose clearTimeout throws is reported to onError, and the machine still stops`, async () => {
    const failure = new Error("clearTimeout failed");
    const clock = throwingClock(failure);
    const errors: unknown[] = [];
    const m = new Machine({
      initial: "a",
      states: { a: { after: { 100: "b" } }, b: {} },
    }, { clock, onError: (e) => errors.push(e) });
    assert.equal(await m.state(), "a");
    assert.equal(clock.pending(), 1); // the state's timer is armed
    await (stop === "close" ? m.close() : m.abort(new Error("stop")));
    await m.closed;
    assert.deepEqual(errors, [failure]);
    await assert.rejects(m.state(), ClosedError);
  });
}
