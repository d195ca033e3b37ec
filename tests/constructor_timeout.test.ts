// The `timeout` option of new Owner(), new Store() and new Machine() bounds
// every command sent without one of its own, including those sent through a
// with() view that sets other options.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, Owner, Store, TimeoutError } from "../mod.ts";
import { deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

test("new Owner({ timeout }): a queued command rejects with a TimeoutError after the owner's timeout", async () => {
  const clock = manualClock();
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    wait: () => gate.promise,
    inc: (s, by: number) => (s.n += by),
  }, { clock, timeout: 30 });
  const running = owner.ask("wait");
  const queued = owner.ask("inc", 1).catch((e: unknown) => e);
  const viewed = owner.with({ signal: new AbortController().signal })
    .ask("inc", 2).catch((e: unknown) => e);
  clock.advance(29);
  await flushMicrotasks();
  assert.equal(owner.stats().queued, 2); // not yet
  clock.advance(1);
  for (const [error, by] of [[await queued, 1], [await viewed, 2]] as const) {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 30);
    assert.deepEqual(error.command, { op: "inc", args: [by] });
  }
  gate.resolve();
  await running.catch(() => {}); // the running one timed out as well
  assert.equal(await owner.ask("inc", 5), 5); // neither timed-out one ran
  await owner.close();
});

test("new Owner({ timeout }): with({ timeout }) overrides the owner's timeout", async () => {
  const clock = manualClock();
  const gate = deferred();
  const owner = new Owner({}, { wait: () => gate.promise, ok: () => "ok" }, {
    clock,
    timeout: 30,
  });
  const running = owner.with({ timeout: 1000 }).ask("wait");
  const longer = owner.with({ timeout: 100 }).ask("ok");
  clock.advance(50);
  await flushMicrotasks();
  gate.resolve();
  assert.equal(await running, undefined);
  assert.equal(await longer, "ok");
  await owner.close();
});

test("new Store({ timeout }): a queued get rejects with a TimeoutError after the store's timeout", async () => {
  const clock = manualClock();
  const gate = deferred();
  const store = new Store<string, number>([["a", 1]], { clock, timeout: 20 });
  const running = store.update("a", async (n) => {
    await gate.promise;
    return (n ?? 0) + 1;
  });
  const viewed = store.with({ signal: new AbortController().signal });
  const reads = [store.get("a"), viewed.get("a")].map((p) =>
    p.catch((e: unknown) => e)
  );
  clock.advance(20);
  for (const error of await Promise.all(reads)) {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 20);
    assert.deepEqual(error.command, { op: "get", args: ["a"] });
  }
  gate.resolve();
  await running.catch(() => {});
  await store.close();
});

test("new Machine({ timeout }): a queued send rejects with a TimeoutError after the machine's timeout", async () => {
  const clock = manualClock();
  const gate = deferred();
  const machine = new Machine({
    initial: "idle",
    context: {},
    states: {
      idle: { on: { go: { target: "busy", action: () => gate.promise } } },
      busy: { on: { back: { target: "idle" } } },
    },
  }, { clock, timeout: 40 });
  const running = machine.with({ timeout: 1000 }).send("go");
  const viewed = machine.with({ signal: new AbortController().signal });
  const queued = [machine.send("back"), viewed.send("back")].map((p) =>
    p.catch((e: unknown) => e)
  );
  clock.advance(40);
  for (const error of await Promise.all(queued)) {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 40);
    assert.deepEqual(error.command, { op: "send", args: ["back"] });
  }
  gate.resolve();
  assert.equal(await running, "busy"); // its own, longer timeout
  assert.equal(await machine.state(), "busy"); // neither "back" ran
  await machine.close();
});
