// What a watcher's end does to the store's other watchers: one watcher of a
// key cancelling, overflowing or being aborted unsubscribes that watcher
// only; once every watcher of a key has ended, a new watch of it starts
// afresh from the current value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OverflowError, Store } from "../mod.ts";
import { collect } from "./_helpers.ts";

test("Store.watch(): a watcher that cancels leaves the key's other watchers notified", async () => {
  const store = new Store<string, number>();
  const first = store.watch("a");
  const second = store.watch("a");
  const third = store.watch("a");
  await store.set("a", 1);
  await second.cancel();
  await store.set("a", 2);
  await store.delete("a");
  await store.close();
  assert.deepEqual(await collect(first), [undefined, 1, 2, undefined]);
  assert.deepEqual(await collect(third), [undefined, 1, 2, undefined]);
});

test("Store.watch(): a watcher that overflows leaves the key's other watchers notified", async () => {
  const store = new Store<string, number>([], { watchBuffer: 2 });
  const slow = store.watch("a"); // never read until the end
  const fast = store.watch("a");
  const reader = fast.getReader();
  const seen: (number | undefined)[] = [];
  for (let i = 1; i <= 4; i++) {
    await store.set("a", i);
    // Read everything pushed so far: this watcher never falls behind.
    for (let n = 0; n < (i === 1 ? 2 : 1); n++) {
      const { value } = await reader.read();
      seen.push(value);
    }
  }
  await store.close();
  assert.equal((await reader.read()).done, true);
  assert.deepEqual(seen, [undefined, 1, 2, 3, 4]);
  await assert.rejects(collect(slow), OverflowError);
});

test("Store.with({ signal }).watch(): an aborted watcher leaves the key's other watchers notified", async () => {
  const store = new Store<string, number>([["a", 0]]);
  const controller = new AbortController();
  const aborted = store.with({ signal: controller.signal }).watch("a");
  const plain = store.watch("a");
  await store.set("a", 1);
  controller.abort(new Error("stop"));
  await store.set("a", 2);
  await store.close();
  assert.deepEqual(await collect(plain), [0, 1, 2]);
  await assert.rejects(collect(aborted), { message: "stop" });
});

test("Store.watch() after every watcher of the key ended starts from the current value and sees later changes", async () => {
  const store = new Store<string, number>([["a", 0]]);
  const first = store.watch("a");
  const second = store.watch("a");
  await store.set("a", 1);
  await first.cancel();
  await second.cancel();
  await store.set("a", 2); // nobody watches "a" now
  const again = store.watch("a");
  const alongside = store.watch("a");
  await store.set("a", 3);
  await again.cancel();
  await store.set("a", 4);
  await store.close();
  assert.deepEqual(await collect(alongside), [2, 3, 4]);
});

test("Store.watch() cancelled while its command is queued gets nothing, and later watches of the key work", async () => {
  const store = new Store<string, number>([["a", 0]], { watchBuffer: 2 });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const busy = store.update("b", async () => {
    await gate;
    return 1;
  });
  const cancelled = store.watch("a"); // queued behind the update
  const reader = cancelled.getReader();
  await reader.cancel();
  release();
  await busy;
  // More changes than its buffer holds: an ended stream is never pushed to.
  for (let i = 1; i <= 3; i++) await store.set("a", i);
  const later = store.watch("a");
  await store.set("a", 4);
  await store.close();
  assert.deepEqual(await collect(later), [3, 4]);
  assert.deepEqual(await reader.read(), { done: true, value: undefined });
});
