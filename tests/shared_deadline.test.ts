// Commands armed with the same clock and timeout in one wave of microtasks
// share one timer; each still times out on its own terms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner, TimeoutError } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

function gated(clock: ReturnType<typeof manualClock>) {
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    wait: () => gate.promise,
    inc: (s, by: number) => (s.n += by),
  }, { clock });
  return { gate, owner };
}

test("Owner.with({ timeout }): commands sent in one turn share one timer and each rejects with its own TimeoutError", async () => {
  const clock = manualClock();
  const { gate, owner } = gated(clock);
  const running = owner.ask("wait");
  const timed = owner.with({ timeout: 100 });
  const queued = [
    timed.ask("inc", 1),
    timed.ask("inc", 2),
    timed.ask("inc", 3),
  ];
  assert.equal(clock.pending(), 1);
  clock.advance(99);
  await flushMicrotasks();
  clock.advance(1);
  const errors = await Promise.all(
    queued.map((p) => p.catch((e: unknown) => e)),
  );
  errors.forEach((error, i) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 100);
    assert.deepEqual(error.command, { op: "inc", args: [i + 1] });
  });
  gate.resolve();
  await running;
  assert.equal(await owner.ask("inc", 10), 10); // none of the timed-out ran
  assert.equal(clock.pending(), 0);
  await owner.close();
});

test("Owner.with({ timeout }): the last command of a shared timer to settle clears it", async () => {
  const clock = manualClock();
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, { clock });
  const timed = owner.with({ timeout: 100 });
  assert.deepEqual(await Promise.all([timed.ask("inc"), timed.ask("inc")]), [
    1,
    2,
  ]);
  assert.equal(clock.pending(), 0);
  await owner.close();
});

test("Owner.with({ timeout }): a command sent in a later turn gets its own deadline", async () => {
  const clock = manualClock();
  const { gate, owner } = gated(clock);
  const running = owner.ask("wait");
  const timed = owner.with({ timeout: 100 });
  const first = timed.ask("inc", 1).catch((e: unknown) => e);
  await flushMicrotasks();
  clock.advance(50);
  const second = timed.ask("inc", 2).catch((e: unknown) => e);
  assert.equal(clock.pending(), 2);
  clock.advance(50);
  assert.ok(await first instanceof TimeoutError);
  let settled = false;
  void second.then(() => (settled = true));
  await flushMicrotasks();
  assert.equal(settled, false); // 50 ms left
  clock.advance(50);
  assert.ok(await second instanceof TimeoutError);
  gate.resolve();
  await running;
  await owner.close();
});

test("Owner.with({ timeout }): different timeouts in one turn keep their own timers", async () => {
  const clock = manualClock();
  const { gate, owner } = gated(clock);
  const running = owner.ask("wait");
  const short = owner.with({ timeout: 10 }).ask("inc", 1).catch((e: unknown) =>
    e
  );
  const long = owner.with({ timeout: 1000 }).ask("inc", 2);
  assert.equal(clock.pending(), 2);
  clock.advance(10);
  assert.ok(await short instanceof TimeoutError);
  gate.resolve();
  await running;
  assert.equal(await long, 2);
  assert.equal(clock.pending(), 0);
  await owner.close();
});

test("Owner.with({ timeout }): a command of a shared timer that settles early does not stop the timer for the others", async () => {
  const clock = manualClock();
  const { gate, owner } = gated(clock);
  const running = owner.ask("wait");
  const controller = new AbortController();
  const reason = new Error("gone");
  const timed = owner.with({ timeout: 100 });
  const first = timed.with({ signal: controller.signal }).ask("inc", 1);
  const second = timed.ask("inc", 2); // same turn: shares first's timer
  controller.abort(reason);
  await assert.rejects(first, (e) => e === reason);
  assert.equal(clock.pending(), 1); // still timing the second
  clock.advance(100);
  await assert.rejects(second, TimeoutError);
  assert.equal(clock.pending(), 0);
  gate.resolve();
  await running;
  await owner.close();
});

test("Owner.with({ timeout }): after a shared timer emptied in this turn, a new command gets a live one", async () => {
  const clock = manualClock();
  const { gate, owner } = gated(clock);
  const running = owner.ask("wait");
  const controller = new AbortController();
  const timed = owner.with({ timeout: 100 });
  const first = timed.with({ signal: controller.signal }).ask("inc", 1);
  controller.abort(new Error("gone")); // its timer's only member leaves
  const second = timed.ask("inc", 2); // still the same turn
  await assert.rejects(first, { message: "gone" });
  clock.advance(100);
  await assert.rejects(second, TimeoutError);
  gate.resolve();
  await running;
  await owner.close();
});

test("Owner.with({ timeout }): after a shared timer fired in this turn, a new command gets a live one", async () => {
  const clock = manualClock();
  const { gate, owner } = gated(clock);
  const running = owner.ask("wait");
  const timed = owner.with({ timeout: 0 });
  const first = timed.ask("inc", 1);
  clock.advance(0); // fires first's timer
  const second = timed.ask("inc", 2); // still the same turn
  await assert.rejects(first, TimeoutError);
  assert.equal(clock.pending(), 1);
  clock.advance(0);
  await assert.rejects(second, TimeoutError);
  gate.resolve();
  await running;
  await owner.close();
});

test("Owner.with({ timeout }): a command rejected by its signal stops its own timer", async () => {
  const clock = manualClock();
  const { gate, owner } = gated(clock);
  const running = owner.ask("wait");
  const controller = new AbortController();
  const reply = owner.with({ timeout: 100, signal: controller.signal }).ask(
    "inc",
    1,
  );
  await flushMicrotasks();
  assert.equal(clock.pending(), 1);
  controller.abort(new Error("gone"));
  await assert.rejects(reply, { message: "gone" });
  assert.equal(clock.pending(), 0);
  gate.resolve();
  await running;
  await owner.close();
});
