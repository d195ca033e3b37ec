// A command settles once, and is counted and reported once, whatever comes
// after: the timer it shares firing for the others, its stream's reader
// leaving after the reply, its handler finishing after it timed out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type InspectEvent, Owner, TimeoutError } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

test("Owner.stats() counts a command aborted before its shared timer fires once", async () => {
  const clock = manualClock();
  const gate = deferred();
  const events: InspectEvent[] = [];
  const owner = new Owner({ n: 0 }, {
    hold: () => gate.promise,
    inc: (s) => ++s.n,
  }, { clock, inspect: (event) => void events.push(event) });
  const held = owner.ask("hold");
  const controller = new AbortController();
  // Sent in one turn with one timeout: both share one timer.
  const aborted = owner.with({ timeout: 5, signal: controller.signal }).ask(
    "inc",
  );
  const late = owner.with({ timeout: 5 }).ask("inc");
  controller.abort(new Error("no longer needed"));
  await assert.rejects(aborted, { message: "no longer needed" });
  assert.equal(owner.stats().rejected, 1);
  clock.advance(5); // the timer the aborted command left still fires
  await assert.rejects(late, TimeoutError);
  assert.equal(owner.stats().rejected, 2, "each rejected command once");
  const ends = events
    .filter((e) => e.type === "aborted" || e.type === "timedOut")
    .map((e) => [e.type, e.id]);
  assert.deepEqual(ends, [["aborted", 2], ["timedOut", 3]]);
  gate.resolve();
  await held;
  assert.deepEqual(
    { settled: owner.stats().settled, rejected: owner.stats().rejected },
    { settled: 1, rejected: 2 },
  );
  await owner.close();
});

test("Owner.stats() does not count a command that ran before its shared timer fired as rejected", async () => {
  const clock = manualClock();
  const hold = deferred();
  const slow = deferred();
  const owner = new Owner({ n: 0 }, {
    hold: () => hold.promise,
    inc: (s) => ++s.n,
    slow: () => slow.promise,
  }, { clock });
  const held = owner.ask("hold");
  const timed = owner.with({ timeout: 5 });
  const quick = timed.ask("inc");
  const running = timed.ask("slow");
  hold.resolve();
  assert.equal(await quick, 1);
  await flushMicrotasks();
  assert.equal(owner.stats().running?.op, "slow");
  clock.advance(5); // fires for "slow"; "inc" settled long before
  await assert.rejects(running, TimeoutError);
  // A command timed out while running is counted when its handler ends.
  assert.equal(owner.stats().rejected, 0);
  slow.resolve();
  await held;
  await flushMicrotasks();
  assert.deepEqual(
    { settled: owner.stats().settled, rejected: owner.stats().rejected },
    { settled: 3, rejected: 0 },
  );
  await owner.close();
});

test("Owner.stream() cancelled by its reader after the reply is not counted or reported as aborted", async () => {
  const events: InspectEvent[] = [];
  const gate = deferred();
  const owner = new Owner({ lines: ["a", "b", "c"] }, {
    hold: () => gate.promise,
    lines: (s) => s.lines,
  }, { inspect: (event) => void events.push(event) });
  const held = owner.ask("hold");
  const stream = owner.stream("lines");
  gate.resolve();
  await held;
  const seen: string[] = [];
  for await (const line of stream) {
    seen.push(line);
    break; // cancels the stream: its command has settled already
  }
  await flushMicrotasks();
  assert.deepEqual(seen, ["a"]);
  assert.deepEqual(
    { settled: owner.stats().settled, rejected: owner.stats().rejected },
    { settled: 2, rejected: 0 },
  );
  assert.deepEqual(events.filter((e) => e.type === "aborted"), []);
  await owner.close();
});

test("a raw command's reply.reject is called once when it timed out and its handler then throws", async () => {
  const clock = manualClock();
  const gate = deferred();
  const owner = new Owner({}, {
    fail: async () => {
      await gate.promise;
      throw new Error("too late");
    },
  }, { clock, timeout: 5 });
  const calls: [string, unknown][] = [];
  const reply = {
    resolve: (value: unknown) => calls.push(["resolve", value]),
    reject: (reason: unknown) => calls.push(["reject", reason]),
  };
  const writer = owner.writable.getWriter();
  await writer.write({ op: "fail", reply });
  await flushMicrotasks();
  clock.advance(5);
  assert.equal(calls.length, 1);
  assert.equal(calls[0][0], "reject");
  assert.ok(calls[0][1] instanceof TimeoutError);
  gate.resolve();
  await writer.close(); // the owner finished the handler and stopped
  assert.equal(calls.length, 1, "the handler's own error goes nowhere");
});
