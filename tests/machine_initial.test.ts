// The initial state of a Machine: its entry, its state timeouts (`after`)
// and its context copy, at construction.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

for (const entry of ["sync", "async", "throwing"] as const) {
  test(`Machine: an initial state with a ${entry} entry arms its after timeouts once the entry is done`, async () => {
    const clock = manualClock();
    const errors: unknown[] = [];
    const failure = new Error("entry failed");
    const m = new Machine({
      initial: "a",
      states: {
        a: {
          entry: entry === "sync"
            ? () => {}
            : entry === "async"
            ? async () => {}
            : () => {
              throw failure;
            },
          after: { 100: "b" },
        },
        b: {},
      },
    }, { clock, onError: (e) => errors.push(e) });
    assert.equal(await m.state(), "a");
    assert.equal(clock.pending(), 1);
    clock.advance(100);
    assert.equal(await m.state(), "b");
    assert.deepEqual(errors, entry === "throwing" ? [failure] : []);
    await m.close();
  });
}

test("Machine: synchronous effects of a transition all run inside send(), on an idle machine", async () => {
  const log: string[] = [];
  const m = new Machine({
    initial: "a",
    states: {
      a: { exit: () => void log.push("exit a"), on: { go: "b" } },
      b: { entry: () => void log.push("entry b") },
    },
  });
  await m.state();
  const sent = m.send("go");
  assert.deepEqual(log, ["exit a", "entry b"]); // before send() returned
  assert.equal(await sent, "b");
  await m.close();
});

test("new Machine() with a context structuredClone cannot copy throws a TypeError whose cause is the clone's error", () => {
  let caught: unknown;
  try {
    new Machine({
      initial: "a",
      context: { run: () => 1 },
      states: { a: {} },
    });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TypeError);
  assert.ok(caught.cause instanceof Error); // structuredClone's DataCloneError
});

test('Machine.writable: a raw "start" command without the machine\'s token is refused; the initial entry does not run again', async () => {
  let entered = 0;
  const m = new Machine({
    initial: "a",
    states: { a: { entry: () => void entered++ } },
  });
  assert.equal(await m.state(), "a");
  const writer = m.writable.getWriter();
  const reply = new Promise((resolve, reject) => {
    void writer.write({ op: "start", args: [], reply: { resolve, reject } });
  });
  await assert.rejects(reply, TypeError);
  assert.equal(entered, 1);
  writer.releaseLock();
  await m.close();
});

test('Machine with overflow "reject": a state timeout firing while the queue is full waits its turn, it is not refused', async () => {
  const clock = manualClock();
  const gate = deferred();
  const failure = new Error("work failed");
  const errors: unknown[] = [];
  const m = new Machine({
    initial: "a",
    states: {
      a: {
        after: { 100: "timedOut" },
        on: {
          // Fails after the gate: no commit, so a's timeout stays armed.
          work: {
            target: "a",
            action: () =>
              gate.promise.then(() => {
                throw failure;
              }),
          },
        },
      },
      timedOut: {},
    },
  }, {
    clock,
    highWaterMark: 1,
    overflow: "reject",
    onError: (e) => errors.push(e),
  });
  await flushMicrotasks(); // the start command has run: the queue is empty
  assert.equal(await m.state(), "a");
  const work = m.send("work"); // runs, holds the machine
  const queued = m.state(); // fills the one slot
  clock.advance(100); // fires while the queue is full
  gate.resolve();
  await assert.rejects(work, (e) => e === failure);
  assert.equal(await queued, "a");
  await flushMicrotasks(); // the timeout's transition runs next
  assert.equal(await m.state(), "timedOut");
  assert.deepEqual(errors, []);
  await m.close();
});

test("Machine: an async initial entry finishes before the first command runs", async () => {
  const gate = deferred();
  const log: string[] = [];
  const m = new Machine({
    initial: "a",
    states: {
      a: {
        entry: async () => {
          await gate.promise;
          log.push("entry a");
        },
        on: { go: { target: "b", action: () => void log.push("go") } },
      },
      b: {},
    },
  });
  const sent = m.send("go");
  await flushMicrotasks();
  assert.deepEqual(log, []); // go waits behind the entry
  gate.resolve();
  assert.equal(await sent, "b");
  assert.deepEqual(log, ["entry a", "go"]);
  await m.close();
});
