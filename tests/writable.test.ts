import { test } from "node:test";
import assert from "node:assert/strict";
import { type Envelope, Owner, Store } from "../mod.ts";
import { collect, deferred } from "./_helpers.ts";

function reply() {
  const d = deferred<unknown>();
  return {
    promise: d.promise,
    reply: { resolve: d.resolve, reject: d.reject },
  };
}

test("Owner.writable runs raw envelopes in order", async () => {
  const owner = new Owner({ n: 0 }, { add: (s, by: number) => (s.n += by) });
  const writer = owner.writable.getWriter();
  const a = reply();
  const b = reply();
  await writer.write({ op: "add", args: [2], reply: a.reply });
  await writer.write({ op: "add", args: [3], reply: b.reply });
  assert.equal(await a.promise, 2);
  assert.equal(await b.promise, 5);
  assert.equal(await owner.ask("add", 0), 5); // ask and raw writes share the owner
  writer.releaseLock();
  await owner.close();
});

test("Owner.writable can be piped into, and closing the pipe closes the owner", async () => {
  const owner = new Owner({ log: [] as number[] }, {
    push: (s, n: number) => s.log.push(n),
  });
  const results: unknown[] = [];
  const sink = {
    resolve: (v: unknown) => results.push(v),
    reject: (e: unknown) => results.push(e),
  };
  const chunks: Envelope[] = [1, 2, 3].map((n) => ({
    op: "push",
    args: [n],
    reply: sink,
  }));
  const source = new ReadableStream<Envelope>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  await source.pipeTo(owner.writable);
  assert.deepEqual(results, [1, 2, 3]);
  await owner.closed;
});

test("Owner.writable: malformed chunks are reported and never error the owner", async () => {
  const reported: unknown[] = [];
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, {
    onError: (error) => reported.push(error),
  });
  const writer = owner.writable.getWriter();
  await writer.write(42 as never);
  await writer.write(null as never);
  await writer.write({ op: "inc" } as never); // no reply
  await writer.write({ op: "inc", reply: { resolve: 1 } } as never);
  assert.equal(reported.length, 4);
  for (const error of reported) assert.ok(error instanceof TypeError);
  assert.match(String((reported[0] as Error).message), /received 42/);
  assert.match(String((reported[1] as Error).message), /received null/);
  assert.match(String((reported[2] as Error).message), /reply must be/);
  // The owner serves on.
  assert.equal(await owner.ask("inc"), 1);
  writer.releaseLock();
  await owner.close();
});

test("Owner.writable: a chunk whose getters throw is reported, and the writable keeps working", async () => {
  const reported: unknown[] = [];
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, {
    onError: (error) => reported.push(error),
  });
  const writer = owner.writable.getWriter();
  const boom = new Error("getter");
  const hostile = new Proxy({}, {
    get() {
      throw boom;
    },
  });
  await writer.write(hostile as never);
  assert.equal(reported.length, 1);
  assert.ok(reported[0] instanceof TypeError);
  assert.equal((reported[0] as Error).cause, boom);
  const later = reply();
  await writer.write({ op: "inc", reply: later.reply });
  assert.equal(await later.promise, 1);
  writer.releaseLock();
  await owner.close();
});

test("Owner.writable: a bad op or args goes to the reply as a TypeError", async () => {
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n });
  const writer = owner.writable.getWriter();
  const badOp = reply();
  const badArgs = reply();
  const unknown = reply();
  await writer.write({ op: 7, reply: badOp.reply } as never);
  await writer.write({ op: "inc", args: "x", reply: badArgs.reply } as never);
  await writer.write({ op: "nope", reply: unknown.reply });
  await assert.rejects(badOp.promise, {
    name: "TypeError",
    message: /op must be a string, received 7/,
  });
  await assert.rejects(badArgs.promise, {
    name: "TypeError",
    message: /args must be an array/,
  });
  await assert.rejects(unknown.promise, {
    name: "TypeError",
    message: /no handler by that name/,
  });
  assert.equal(await owner.ask("inc"), 1);
  writer.releaseLock();
  await owner.close();
});

test("Owner.writable: a reply callback that throws is reported, the owner serves on", async () => {
  const reported: unknown[] = [];
  const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, {
    onError: (error) => reported.push(error),
  });
  const writer = owner.writable.getWriter();
  await writer.write({
    op: "inc",
    reply: {
      resolve() {
        throw new Error("bad callback");
      },
      reject() {},
    },
  });
  assert.equal(await owner.ask("inc"), 2);
  assert.equal((reported[0] as Error).message, "bad callback");
  writer.releaseLock();
  await owner.close();
});

test("Owner.writable: a WritableStream reply receives a stream of values", async () => {
  const owner = new Owner({ items: ["a", "b", "c"] }, { all: (s) => s.items });
  const { readable, writable } = new TransformStream<unknown, unknown>();
  const writer = owner.writable.getWriter();
  await writer.write({ op: "all", reply: writable });
  assert.deepEqual(await collect(readable), ["a", "b", "c"]);
  writer.releaseLock();
  await owner.close();
});

test("Store.writable waits for room: writes apply backpressure at highWaterMark", async () => {
  const gate = deferred();
  const store = new Store<string, number>([], {
    highWaterMark: 2,
    overflow: "reject",
  });
  const blocked = store.update("a", () => gate.promise.then(() => 0));
  const writer = store.writable.getWriter();
  const noop = { resolve() {}, reject() {} };
  await writer.write({ op: "set", args: ["a", 0], reply: noop });
  await writer.write({ op: "set", args: ["a", 1], reply: noop }); // fills the queue
  let accepted = false;
  const third = writer.write({ op: "set", args: ["a", 2], reply: noop }).then(
    () => {
      accepted = true;
    },
  );
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.equal(accepted, false); // waiting for room, not refused
  gate.resolve();
  await blocked;
  await third;
  assert.equal(await store.get("a"), 2);
  writer.releaseLock();
  await store.close();
});
