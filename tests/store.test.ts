import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, OverflowError, Store } from "../mod.ts";
import { collect, deferred, flushMicrotasks } from "./_helpers.ts";

test("Store: the seed program (set 1 = 42, get 1)", async () => {
  const store = new Store<number, number>();
  await store.set(1, 42);
  assert.equal(await store.get(1), 42);
  await store.close();
});

test("Store: get/set/has/delete/size/clear behave like a Map", async () => {
  const store = new Store<string, number>([["a", 1]]);
  assert.equal(await store.get("a"), 1);
  assert.equal(await store.get("missing"), undefined);
  assert.equal(await store.has("a"), true);
  await store.set("b", 2);
  assert.equal(await store.size(), 2);
  assert.equal(await store.delete("a"), true);
  assert.equal(await store.delete("a"), false);
  assert.equal(await store.has("a"), false);
  await store.clear();
  assert.equal(await store.size(), 0);
  await store.close();
});

test("new Store() throws a TypeError for entries that are not pairs", () => {
  assert.throws(() => new Store(5 as never), {
    name: "TypeError",
    message: /entries must be an iterable of \[key, value\] pairs, received 5/,
  });
  assert.throws(() => new Store([1, 2] as never), TypeError);
  assert.throws(() => new Store([], { watchBuffer: 0 }), RangeError);
});

test("Store.update() is atomic across awaits: 50 concurrent increments lose none", async () => {
  const store = new Store<string, number>();
  const results = await Promise.all(
    Array.from({ length: 50 }, () =>
      store.update("n", async (n = 0) => {
        await new Promise((resolve) => setTimeout(resolve, 0));
        return n + 1;
      })),
  );
  assert.equal(await store.get("n"), 50);
  assert.deepEqual(
    [...results].sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  await store.close();
});

test("Store.update() that throws leaves the value as it was", async () => {
  const store = new Store<string, number>([["n", 1]]);
  await assert.rejects(
    store.update("n", () => {
      throw new Error("no");
    }),
    { message: "no" },
  );
  await assert.rejects(
    store.update("n", () => Promise.reject(new Error("later"))),
    {
      message: "later",
    },
  );
  assert.equal(await store.get("n"), 1);
  await store.close();
});

test("Store.update() rejects a non-function with a TypeError, and serves on", async () => {
  const store = new Store<string, number>();
  await assert.rejects(store.update("n", 5 as never), {
    name: "TypeError",
    message: /fn must be a function, received 5/,
  });
  await store.set("n", 1);
  assert.equal(await store.get("n"), 1);
  await store.close();
});

test("Store.entries() is a snapshot taken in the command's turn", async () => {
  const store = new Store<string, number>([["a", 1], ["b", 2]]);
  const snapshot = store.entries();
  const later = store.set("c", 3); // after the snapshot in the owner's order
  await later;
  assert.deepEqual(await collect(snapshot), [["a", 1], ["b", 2]]);
  assert.equal((await collect(store.entries())).length, 3);
  await store.close();
});

test("Store.entries() with a reader that never reads does not block the owner", async () => {
  const store = new Store<number, number>(
    Array.from({ length: 50_000 }, (_, i) => [i, i] as [number, number]),
  );
  const unread = store.entries();
  await store.set(-1, -1);
  assert.equal(await store.size(), 50_001);
  const all = await collect(unread);
  assert.equal(all.length, 50_000);
  await store.close();
});

test("Store.watch() streams the current value, then each change, and ends on close", async () => {
  const store = new Store<string, number>([["a", 0]]);
  const changes = store.watch("a");
  await store.set("a", 1);
  await store.set("b", 99); // another key: not seen
  await store.update("a", (n = 0) => n + 1);
  await store.delete("a");
  await store.set("a", 5);
  await store.clear();
  await store.close();
  assert.deepEqual(await collect(changes), [0, 1, 2, undefined, 5, undefined]);
});

test("Store.watch() errors with OverflowError when the reader falls behind", async () => {
  const store = new Store<string, number>([], { watchBuffer: 3 });
  const changes = store.watch("a");
  for (let i = 1; i <= 5; i++) await store.set("a", i);
  const reader = changes.getReader();
  // The buffer held the first three values, then the stream errored.
  await assert.rejects(reader.read(), (error: unknown) => {
    assert.ok(error instanceof OverflowError);
    assert.equal(error.limit, 3);
    return true;
  });
  assert.equal(await store.get("a"), 5); // the owner was never blocked
  await store.close();
});

test("Store.watch() cancelled by the reader unsubscribes", async () => {
  const store = new Store<string, number>([], { watchBuffer: 2 });
  const changes = store.watch("a");
  await store.set("a", 1);
  await changes.cancel();
  // More writes than the buffer holds: no overflow, nobody is listening.
  for (let i = 0; i < 10; i++) await store.set("a", i);
  await store.close();
});

test("Store.watch() on a closed store errors with ClosedError", async () => {
  const store = new Store<string, number>();
  await store.close();
  const reader = store.watch("a").getReader();
  await assert.rejects(reader.read(), ClosedError);
});

test("Store.set() rejects after close()", async () => {
  const store = new Store<string, number>();
  await store.close();
  await assert.rejects(store.set("a", 1), (error: unknown) => {
    assert.ok(error instanceof ClosedError);
    assert.deepEqual(error.command, { op: "set", args: ["a", 1] });
    return true;
  });
});

test("Store.close() drains queued commands first", async () => {
  const store = new Store<string, number>();
  const writes = Array.from({ length: 20 }, (_, i) => store.set(`k${i}`, i));
  await store.close();
  await Promise.all(writes);
  // Closed: reads refused, but every write before close() ran.
  await assert.rejects(store.size(), ClosedError);
});

test("Store.with({ signal }) aborted while queued never runs", async () => {
  const gate = deferred();
  const store = new Store<string, number>();
  const blocked = store.update("a", () => gate.promise.then(() => 1));
  const controller = new AbortController();
  const write = store.with({ signal: controller.signal }).set("a", 2);
  controller.abort(new Error("cancelled"));
  await assert.rejects(write, { message: "cancelled" });
  gate.resolve();
  await blocked;
  assert.equal(await store.get("a"), 1);
  await store.close();
});

test("Store.with() views share one owner", async () => {
  const store = new Store<string, number>();
  const view = store.with({ timeout: 1000 });
  await view.set("a", 1);
  assert.equal(await store.get("a"), 1);
  await view.close(); // closes the one owner
  await assert.rejects(store.get("a"), ClosedError);
});

test("Store.abort() rejects queued commands and ends watchers", async () => {
  const store = new Store<string, number>();
  const gate = deferred();
  // An async update keeps the owner busy: the commands after it queue.
  const running = store.update("b", async () => {
    await gate.promise;
    return 2;
  });
  const changes = store.watch("a");
  const queued = store.set("a", 1);
  const reason = new Error("gone");
  const aborted = store.abort(reason);
  await assert.rejects(queued, (e) => e === reason);
  const reader = changes.getReader();
  // The watch command itself was queued, so it was rejected too.
  await assert.rejects(reader.read(), (e) => e === reason);
  gate.resolve();
  assert.equal(await running, 2); // the running command was not queued
  await aborted;
});

test("Store: commands issued in one turn run in issue order", async () => {
  const store = new Store<string, number>();
  const order: number[] = [];
  const replies = Array.from(
    { length: 30 },
    (_, i) =>
      store.update("x", (v = 0) => {
        order.push(i);
        return v + 1;
      }),
  );
  await Promise.all(replies);
  assert.deepEqual(order, Array.from({ length: 30 }, (_, i) => i));
  await flushMicrotasks();
  await store.close();
});
