// An owner closed or aborted from inside one of its own handlers run at once
// (the idle path): the handler's reply settles first, then the owner stops,
// whether the handler returned or threw, and whether the owner had queued
// commands (and so its internal stream) before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, Owner, Store } from "../mod.ts";
import { deferred, flushMicrotasks } from "./_helpers.ts";

/** Records when `closed` resolves, without waiting for it. */
function watchClosed(closed: Promise<void>, order: string[]) {
  let stopped = false;
  void closed.then(() => {
    stopped = true;
    order.push("closed");
  });
  return () => stopped;
}

test("Store.update() whose fn closes the store: the update's reply settles, then closed resolves", async () => {
  const order: string[] = [];
  const store = new Store<string, number>([["a", 1]]);
  const updated = store.update("a", (v = 0) => {
    void store.close();
    return v + 1;
  }).then((v) => order.push(`updated ${v}`));
  const stopped = watchClosed(store.closed, order);
  await updated;
  await flushMicrotasks();
  assert.equal(stopped(), true, "the store stopped");
  assert.deepEqual(order, ["updated 2", "closed"]);
  await assert.rejects(store.get("a"), ClosedError);
});

test("Store.update() whose fn aborts a store that queued commands before: the reply settles, then closed resolves", async () => {
  const order: string[] = [];
  const gate = deferred();
  const store = new Store<string, number>([["a", 1]]);
  // A busy period first, so that the store has its internal stream.
  const held = store.update("a", async (v = 0) => {
    await gate.promise;
    return v;
  });
  const queued = store.set("b", 2);
  gate.resolve();
  await held;
  await queued;
  await flushMicrotasks();
  const reason = new Error("enough");
  const updated = store.update("a", (v = 0) => {
    void store.abort(reason);
    return v + 10;
  }).then((v) => order.push(`updated ${v}`));
  const stopped = watchClosed(store.closed, order);
  await updated;
  await flushMicrotasks();
  assert.equal(stopped(), true, "the store stopped");
  assert.deepEqual(order, ["updated 11", "closed"]);
  await assert.rejects(store.get("a"), ClosedError);
});

test("Owner: a handler that closes its own owner and then throws rejects with its error, then closed resolves", async () => {
  const order: string[] = [];
  const boom = new Error("boom");
  const owner = new Owner({}, {
    fail() {
      void owner.close();
      throw boom;
    },
  });
  const failed = owner.ask("fail").catch((e: unknown) => {
    order.push(e === boom ? "rejected boom" : "rejected other");
  });
  const stopped = watchClosed(owner.closed, order);
  await failed;
  await flushMicrotasks();
  assert.equal(stopped(), true, "the owner stopped");
  assert.deepEqual(order, ["rejected boom", "closed"]);
});

test("Owner: a handler with three arguments that aborts its own owner gets its reply, then closed resolves", async () => {
  const order: string[] = [];
  const owner = new Owner({}, {
    sum(_, a: number, b: number, c: number) {
      void owner.abort(new Error("stopped"));
      return a + b + c;
    },
  });
  const reply = owner.ask("sum", 1, 2, 3).then((v) => order.push(`sum ${v}`));
  const stopped = watchClosed(owner.closed, order);
  await reply;
  await flushMicrotasks();
  assert.equal(stopped(), true, "the owner stopped");
  assert.deepEqual(order, ["sum 6", "closed"]);
});
