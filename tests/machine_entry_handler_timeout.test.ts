// handlerTimeout and the initial state's async entry (run by the start
// command at construction): past the limit the entry is abandoned, as a
// transition is (tests/machine.test.ts). When it finishes later its copy of
// the context is never committed, and when it fails later its error is not
// reported a second time (onError already had the TimeoutError).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, TimeoutError } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

for (const outcome of ["resolves", "rejects"] as const) {
  test(`Machine handlerTimeout: an abandoned initial entry that ${outcome} later changes nothing`, async () => {
    const clock = manualClock();
    const gate = deferred();
    const failure = new Error("entry failed late");
    const errors: unknown[] = [];
    const m = new Machine({
      initial: "a",
      context: { n: 0 },
      states: {
        a: {
          entry: async (context) => {
            await gate.promise;
            context.n++;
            if (outcome === "rejects") throw failure;
          },
          on: { go: "b" },
        },
        b: {},
      },
    }, { clock, handlerTimeout: 100, onError: (e) => errors.push(e) });
    await flushMicrotasks(); // the entry is running
    clock.advance(100); // past handlerTimeout: abandoned
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof TimeoutError);
    assert.deepEqual(await m.snapshot(), { state: "a", context: { n: 0 } });
    gate.resolve(); // the abandoned entry finishes now
    await flushMicrotasks();
    assert.deepEqual(await m.snapshot(), { state: "a", context: { n: 0 } });
    assert.equal(errors.length, 1); // the late failure is not reported
    assert.equal(await m.send("go"), "b");
    await m.close();
  });
}
