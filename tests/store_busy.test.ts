// Store commands on a busy store (queued behind an async update), and the
// Store's own options and errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store, TimeoutError } from "../mod.ts";
import { collect, deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

/** A store held busy by an update until `release()`. */
function busy(options: ConstructorParameters<typeof Store>[1] = {}) {
  const store = new Store<string, number>([["a", 1]], options);
  const gate = deferred();
  const held = store.update("held", () => gate.promise.then(() => 0));
  return { store, release: () => gate.resolve(), held };
}

test("Store.has() on a busy store waits its turn and answers as a Map would", async () => {
  const { store, release, held } = busy();
  const has = [store.has("a"), store.has("b")];
  const set = store.set("b", 2);
  const after = store.has("b");
  release();
  await held;
  await set;
  assert.deepEqual(await Promise.all(has), [true, false]);
  assert.equal(await after, true);
  assert.deepEqual([await store.get("a"), await store.get("b")], [1, 2]);
  await store.close();
});

test("Store.delete() of a missing key sends the key's watchers nothing", async () => {
  const store = new Store<string, number>();
  const values = collect(store.watch("x"));
  assert.equal(await store.delete("x"), false);
  await store.set("x", 1);
  assert.equal(await store.delete("x"), true);
  await store.close();
  assert.deepEqual(await values, [undefined, 1, undefined]);
});

test("new Store() with an iterable of non-pairs throws a TypeError whose cause is the Map's error", () => {
  let caught: unknown;
  try {
    new Store([1 as unknown as [string, number]]);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TypeError);
  assert.ok(caught.cause instanceof TypeError); // from new Map()
});

test("new Store() options.timeout: a command queued past it rejects with TimeoutError and never runs", async () => {
  const clock = manualClock();
  const { store, release, held } = busy({ timeout: 50, clock });
  const late = store.set("a", 99);
  await flushMicrotasks();
  clock.advance(50);
  await assert.rejects(late, (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.equal(e.timeout, 50);
    assert.deepEqual(e.command, { op: "set", args: ["a", 99] });
    return true;
  });
  release();
  await held.catch(() => {}); // the holder timed out too
  assert.equal(await store.get("a"), 1);
  await store.close();
});
