// with({ signal }) ends a live watch when it aborts; with({ timeout })
// bounds only the subscription, never the life of the watch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, Store, TimeoutError } from "../mod.ts";
import { connect, serve } from "../src/workers/mod.ts";
import { collect, deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

const toggle = () =>
  new Machine({
    initial: "off",
    states: { off: { on: { go: "on" } }, on: { on: { go: "off" } } },
  });

test("Store.with({ signal }).watch() errors with the signal's reason when it aborts later, and unsubscribes", async () => {
  const store = new Store<string, number>();
  const controller = new AbortController();
  const changes = store.with({ signal: controller.signal }).watch("k");
  const reader = changes.getReader();
  assert.deepEqual(await reader.read(), { done: false, value: undefined });
  await store.set("k", 1);
  assert.deepEqual(await reader.read(), { done: false, value: 1 });
  const reason = new Error("stop watching");
  controller.abort(reason);
  await assert.rejects(reader.read(), (error: unknown) => error === reason);
  // Removed from the owner: a later set reaches no watcher, and another
  // watcher of the key still works.
  const other = store.watch("k");
  await store.set("k", 2);
  await store.close();
  assert.deepEqual(await collect(other), [1, 2]);
});

test("Machine.with({ signal }).watch() errors with the signal's reason when it aborts later, and unsubscribes", async () => {
  const machine = toggle();
  const controller = new AbortController();
  const changes = machine.with({ signal: controller.signal }).watch();
  const reader = changes.getReader();
  await machine.send("go");
  assert.deepEqual(await reader.read(), {
    done: false,
    value: { from: "off", event: "go", to: "on" },
  });
  const reason = new Error("stop watching");
  controller.abort(reason);
  await assert.rejects(reader.read(), (error: unknown) => error === reason);
  const other = machine.watch();
  await machine.send("go");
  await machine.close();
  assert.deepEqual(await collect(other), [{
    from: "on",
    event: "go",
    to: "off",
  }]);
});

test("Store.with({ timeout }).watch(): the timeout bounds the subscription, not the life of the watch", async () => {
  const clock = manualClock();
  const store = new Store<string, number>([], { clock });
  // Subscribed at once: the timeout no longer applies.
  const live = store.with({ timeout: 5 }).watch("k");
  await flushMicrotasks();
  clock.advance(10);
  await store.set("k", 1);
  // Not subscribed in time (the owner is busy): TimeoutError.
  const gate = deferred<number>();
  const busy = store.update("b", () => gate.promise);
  const late = store.with({ timeout: 5 }).watch("k");
  clock.advance(5);
  await assert.rejects(collect(late), (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 5);
    assert.deepEqual(error.command?.op, "watch");
    return true;
  });
  gate.resolve(0);
  await busy;
  await store.close();
  assert.deepEqual(await collect(live), [undefined, 1]);
});

test("Machine.with({ timeout }).watch(): the timeout bounds the subscription, not the life of the watch", async () => {
  const clock = manualClock();
  const machine = new Machine({
    initial: "off",
    states: { off: { on: { go: "on" } }, on: { on: { go: "off" } } },
  }, { clock });
  const live = machine.with({ timeout: 5 }).watch();
  await flushMicrotasks();
  clock.advance(10);
  await machine.send("go");
  await machine.close();
  assert.deepEqual(await collect(live), [{
    from: "off",
    event: "go",
    to: "on",
  }]);
});

test("connect(): a remote with({ signal }).watch() errors with the signal's reason when it aborts later", async () => {
  const store = new Store<string, number>();
  const { port1, port2 } = new MessageChannel();
  const serving = serve(store, port1);
  const remote = connect<typeof store>(port2);
  const controller = new AbortController();
  const reader = remote.with({ signal: controller.signal }).watch("k")
    .getReader();
  assert.deepEqual(await reader.read(), { done: false, value: undefined });
  const reason = new Error("stop watching");
  controller.abort(reason);
  await assert.rejects(reader.read(), (error: unknown) => error === reason);
  await remote.close();
  await serving.close();
  await store.close();
  port1.close();
  port2.close();
});
