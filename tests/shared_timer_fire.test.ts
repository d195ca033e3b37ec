// What a shared timer does when it fires: each command it expires rejects
// with a TimeoutError naming it, and a command sent while it fires (from
// user code it calls: an inspector, a raw reply's reject) is not one of
// them but gets a full timeout of its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type InspectEvent, Owner, TimeoutError } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

test("Owner.with({ timeout }): a command sent while a shared timer fires gets a full timeout of its own", async () => {
  const clock = manualClock();
  const gate = deferred();
  let retry: Promise<unknown> | undefined;
  const owner: Owner<{ n: number }, {
    hold: () => Promise<void>;
    inc: (s: { n: number }) => number;
  }> = new Owner({ n: 0 }, {
    hold: () => gate.promise,
    inc: (s) => ++s.n,
  }, {
    clock,
    // An inspector that sends a command again when it sees it time out.
    inspect: (event: InspectEvent) => {
      if (event.type === "timedOut" && retry === undefined) {
        retry = owner.with({ timeout: 5 }).ask("inc");
      }
    },
  });
  const held = owner.ask("hold");
  const timed = owner.with({ timeout: 5 });
  const first = timed.ask("inc");
  const second = timed.ask("inc");
  assert.equal(clock.pending(), 1, "one timer for both");
  // Fired in the same turn the two were sent in, as a fake clock may.
  clock.advance(5);
  await assert.rejects(first, TimeoutError);
  await assert.rejects(second, TimeoutError);
  assert.ok(retry !== undefined);
  let settled = false;
  retry.then(() => (settled = true), () => (settled = true));
  await flushMicrotasks();
  assert.equal(settled, false, "not expired with the timer that fired");
  assert.equal(clock.pending(), 1, "its own timer");
  clock.advance(4);
  await flushMicrotasks();
  assert.equal(settled, false);
  clock.advance(1);
  await assert.rejects(retry, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.deepEqual(error.command, { op: "inc", args: [] });
    return true;
  });
  gate.resolve();
  await held;
  assert.equal(await owner.ask("inc"), 1, "none of the timed-out ran");
  await owner.close();
});

// The message is what a log line shows of a timeout: it names the command
// (its op) as the data does, so a user can tell which one took too long.
// tests/workers.test.ts pins the same text across threads, and
// tests/machine_messages.test.ts a Machine's own naming.
test('Owner.with({ timeout }).ask() timing out says Command "op" timed out after N ms', async () => {
  const clock = manualClock();
  const gate = deferred();
  const owner = new Owner({}, {
    hold: () => gate.promise,
    ping: () => 1,
  }, { clock });
  const held = owner.ask("hold");
  const late = owner.with({ timeout: 5 }).ask("ping");
  clock.advance(5);
  await assert.rejects(late, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.message, 'Command "ping" timed out after 5 ms');
    assert.equal(error.timeout, 5);
    return true;
  });
  gate.resolve();
  await held;
  await owner.close();
});
