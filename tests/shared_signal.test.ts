// Commands that share an AbortSignal are watched by one listener on it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { deferred } from "./_helpers.ts";

function gated() {
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    wait: () => gate.promise,
    inc: (s) => ++s.n,
  });
  return { gate, owner };
}

test("Owner.with({ signal }): aborting rejects every queued command of the handle with the reason", async () => {
  const { gate, owner } = gated();
  const controller = new AbortController();
  const handle = owner.with({ signal: controller.signal });
  const running = owner.ask("wait");
  const queued = Array.from({ length: 50 }, () => handle.ask("inc"));
  const reason = new Error("cancelled");
  controller.abort(reason);
  const results = await Promise.allSettled(queued);
  assert.ok(
    results.every((r) => r.status === "rejected" && r.reason === reason),
  );
  gate.resolve();
  await running;
  assert.equal(await owner.ask("inc"), 1); // none of the aborted ones ran
  await owner.close();
});

test("One signal across two owners: aborting rejects the queued commands of both", async () => {
  const a = gated();
  const b = gated();
  const controller = new AbortController();
  const runA = a.owner.ask("wait");
  const runB = b.owner.ask("wait");
  const fromA = a.owner.with({ signal: controller.signal }).ask("inc");
  const fromB = b.owner.with({ signal: controller.signal }).ask("inc");
  controller.abort("stop");
  await assert.rejects(fromA, (e) => e === "stop");
  await assert.rejects(fromB, (e) => e === "stop");
  a.gate.resolve();
  b.gate.resolve();
  await Promise.all([runA, runB, a.owner.close(), b.owner.close()]);
});

test("Owner.with({ signal }): settled commands are unaffected by a later abort; new ones reject at once", async () => {
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n });
  const controller = new AbortController();
  const handle = owner.with({ signal: controller.signal });
  assert.deepEqual(
    await Promise.all([handle.ask("inc"), handle.ask("inc")]),
    [1, 2],
  );
  controller.abort("late");
  await assert.rejects(handle.ask("inc"), (e) => e === "late");
  assert.equal(await owner.ask("inc"), 3);
  await owner.close();
});

test("Owner.with({ signal }): a command aborted while running rejects; the next queued one still runs", async () => {
  const gate = deferred();
  const started = deferred();
  const owner = new Owner({ n: 0 }, {
    slow: async (s) => {
      started.resolve();
      await gate.promise;
      return ++s.n;
    },
    inc: (s) => ++s.n,
  });
  const controller = new AbortController();
  const slow = owner.with({ signal: controller.signal }).ask("slow");
  const next = owner.ask("inc");
  await started.promise;
  controller.abort("gone");
  await assert.rejects(slow, (e) => e === "gone");
  gate.resolve();
  assert.equal(await next, 2); // the slow handler finished first, then inc
  await owner.close();
});

test("Owner.with({ signal }): many queued commands add one abort listener to the signal", async () => {
  const { gate, owner } = gated();
  const running = owner.ask("wait");
  const controller = new AbortController();
  const signal = controller.signal;
  let listeners = 0;
  const add = signal.addEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners++;
    add(...args);
  }) as typeof signal.addEventListener;
  const handle = owner.with({ signal });
  const replies = Array.from({ length: 20 }, () => handle.ask("inc"));
  assert.equal(listeners, 1);
  controller.abort(new Error("stop"));
  for (const reply of replies) await assert.rejects(reply, { message: "stop" });
  gate.resolve();
  await running;
  await owner.close();
});
