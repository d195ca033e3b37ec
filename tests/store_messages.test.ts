// The messages of a Store's errors that name what the caller did and what
// to call instead. The class is the contract; these messages are tested
// too because each names the API the caller used (or the command it sent),
// which is how a user finds the offending call in a log line or stack-less
// report (a raw command written to `writable` has no useful stack at all).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "../mod.ts";

test("Store.with() with a bad option throws, naming Store.with() and the option", async () => {
  const store = new Store<string, number>();
  assert.throws(() => store.with({ timeout: -1 }), {
    name: "RangeError",
    message:
      "Cannot call Store.with(): timeout must be a non-negative number of milliseconds, received -1",
  });
  assert.throws(() => store.with(null as never), {
    name: "TypeError",
    message:
      "Cannot call Store.with(): options must be an object, received null",
  });
  await store.close();
});

test("new Store() with a bad watchBuffer throws, naming the constructor and the option", () => {
  assert.throws(() => new Store([], { watchBuffer: 0 }), {
    name: "RangeError",
    message:
      "Cannot create Store: watchBuffer must be a positive integer, received 0",
  });
  assert.throws(() => new Store([], { watchBuffer: "4" as never }), {
    name: "TypeError",
    message:
      'Cannot create Store: watchBuffer must be a positive integer, received "4"',
  });
});

/** Writes one raw envelope to the store and returns how its reply settled. */
async function rawReply(
  store: Store<string, number>,
  envelope: { op: string; args?: unknown[] },
): Promise<unknown> {
  const writer = store.writable.getWriter();
  const reply = new Promise((resolve, reject) => {
    writer.write({ ...envelope, reply: { resolve, reject } } as never);
  });
  writer.releaseLock();
  return await reply.then(
    () => assert.fail("the raw command should be refused"),
    (error: unknown) => error,
  );
}

test("Store: a raw watch command is refused with a TypeError that points to Store.watch(key), and the store serves on", async () => {
  const store = new Store<string, number>([["k", 1]]);
  const error = await rawReply(store, { op: "watch", args: ["k", {}] });
  assert.ok(error instanceof TypeError);
  assert.equal(
    error.message,
    'Cannot run "watch" from a raw command: call Store.watch(key) instead',
  );
  assert.equal(await store.get("k"), 1);
  await store.close();
});

test("Store: a raw command with an unknown op is refused with a TypeError naming the op and the known ones", async () => {
  const store = new Store<string, number>();
  const error = await rawReply(store, { op: "increment", args: ["k"] });
  assert.ok(error instanceof TypeError);
  assert.equal(
    error.message,
    'Cannot run "increment": Store has no such command (known: get, set, has, delete, update, size, clear, entries, watch)',
  );
  await store.set("k", 2);
  assert.equal(await store.get("k"), 2);
  await store.close();
});
