// The lone call's bookkeeping on both sides: a client with nothing
// unanswered keeps its one call out of the calls map, and the serving side
// keeps one fast ask() per channel in a slot. What a caller sees must not
// change: each answer goes to its own call, refusals come in the order the
// calls were sent, and a client that sends lone calls without waiting (not
// what connect() does) still gets every one answered under its own id.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, Owner } from "../mod.ts";
import { connect } from "../src/workers/mod.ts";
import { deferred } from "./_helpers.ts";
import {
  answerFirstCall,
  connectToRawServer,
  type Frame,
  serveToRawClient,
} from "./_workers.ts";

type Counter = Owner<{ n: number }, { incr: (s: { n: number }) => number }>;

test("serve() answers lone calls sent without waiting each under its own id, the first still running", async () => {
  const gate = deferred<string>();
  // The owner lets "hold" finish once the two calls after it are queued,
  // so that both arrive while the first is unanswered.
  let queued = 0;
  const owner = new Owner({ n: 0 }, {
    hold: () => gate.promise,
    incr: (s) => ++s.n,
    fail: () => {
      throw new RangeError("no");
    },
  }, {
    inspect: (event) => {
      if (event.type === "accepted" && event.op !== "hold" && ++queued === 2) {
        gate.resolve("held");
      }
    },
  });
  const { client, close } = await serveToRawClient(owner, {
    transport: "port",
  });
  try {
    // Three bare calls at once: the first holds the owner, so the other
    // two arrive while it is unanswered.
    client.port.postMessage({ t: 0, id: 1, op: "hold", args: [] });
    client.port.postMessage({ t: 0, id: 2, op: "incr", args: [] });
    client.port.postMessage({ t: 0, id: 3, op: "fail", args: [] });
    assert.deepEqual(await client.next(), [1, "held"]);
    assert.deepEqual(await client.next(), [2, 1]);
    const failed = await client.next() as Frame;
    assert.equal(failed.t, 11);
    assert.equal(failed.id, 3);
    assert.equal((failed.e as Frame).name, "RangeError");
    assert.equal((failed.e as Frame).message, "no");
    // Everything answered: the next lone call is answered as the first was.
    client.port.postMessage({ t: 0, id: 4, op: "incr", args: [] });
    assert.deepEqual(await client.next(), [4, 2]);
  } finally {
    await close();
  }
});

test("serve() answers a lone call that failed, then the next lone call, each under its own id", async () => {
  const owner = new Owner({ n: 0 }, {
    incr: (s) => ++s.n,
    fail: () => {
      throw new TypeError("bad");
    },
  });
  const { client, close } = await serveToRawClient(owner, {
    transport: "port",
  });
  try {
    client.port.postMessage({ t: 0, id: 7, op: "fail", args: [] });
    const failed = await client.next() as Frame;
    assert.deepEqual([failed.t, failed.id], [11, 7]);
    assert.equal((failed.e as Frame).name, "TypeError");
    client.port.postMessage({ t: 0, id: 8, op: "incr", args: [] });
    assert.deepEqual(await client.next(), [8, 1]);
    // An unknown op fails its own call only.
    client.port.postMessage({ t: 0, id: 9, op: "missing", args: [1, 2, 3] });
    const missing = await client.next() as Frame;
    assert.deepEqual([missing.t, missing.id], [11, 9]);
    client.port.postMessage({ t: 0, id: 10, op: "incr", args: [] });
    assert.deepEqual(await client.next(), [10, 2]);
  } finally {
    await close();
  }
});

test("serve() answers a lone call whose reply cannot cross with DataCloneError, and the next one normally", async () => {
  const owner = new Owner({ n: 0 }, {
    fn: () => () => 1,
    incr: (s) => ++s.n,
  });
  const { client, close } = await serveToRawClient(owner, {
    transport: "port",
  });
  try {
    client.port.postMessage({ t: 0, id: 1, op: "fn", args: [] });
    const failed = await client.next() as Frame;
    assert.deepEqual([failed.t, failed.id], [11, 1]);
    assert.equal((failed.e as Frame).name, "DataCloneError");
    assert.match(
      String((failed.e as Frame).message),
      /^Cannot send the reply of "fn" to another thread/,
    );
    client.port.postMessage({ t: 0, id: 2, op: "incr", args: [] });
    assert.deepEqual(await client.next(), [2, 1]);
  } finally {
    await close();
  }
});

test("connect() refuses a lone call and the calls sent after it with ClosedError, in the order sent, when the serving side closes", async () => {
  const { remote, client, close } = await connectToRawServer((endpoint) =>
    connect<Counter>(endpoint)
  );
  try {
    await answerFirstCall(client, remote.ask("incr"));
    const order: string[] = [];
    const errors: unknown[] = [];
    const watch = (name: string, call: Promise<unknown>) =>
      call.then(
        () => order.push(`${name} resolved`),
        (error) => {
          order.push(name);
          errors.push(error);
        },
      );
    const a = watch("a", remote.ask("incr")); // alone: id 2, bare
    assert.deepEqual(await client.next(), [2, "incr", []]);
    const b = watch("b", remote.ask("incr")); // behind it: batched
    const c = watch("c", remote.ask("incr"));
    assert.deepEqual(await client.next(), [
      { t: 0, id: 3, op: "incr", args: [] },
      { t: 0, id: 4, op: "incr", args: [] },
    ]);
    client.port.postMessage([{ t: 14, reason: "the owner is closed" }]);
    await Promise.all([a, b, c]);
    assert.deepEqual(order, ["a", "b", "c"]);
    for (const error of errors) {
      assert.ok(error instanceof ClosedError);
      assert.equal(
        (error as ClosedError).message,
        'Cannot run "incr": the owner is closed',
      );
      assert.deepEqual((error as ClosedError).command, {
        op: "incr",
        args: [],
      });
    }
  } finally {
    await close();
  }
});

test("connect() settles a lone call only by an answer with its id, bare or in a batch", async () => {
  const { remote, client, close } = await connectToRawServer((endpoint) =>
    connect<Counter>(endpoint)
  );
  try {
    await answerFirstCall(client, remote.ask("incr"));

    const lone = remote.ask("incr");
    assert.deepEqual(await client.next(), [2, "incr", []]);
    // Answers for other ids (one never sent, one already answered, the
    // right number as a string) come first, over the same port: had one of
    // them settled the call, its value would be theirs.
    client.port.postMessage([3, "not yours"]);
    client.port.postMessage([1, "old"]);
    client.port.postMessage(["2", "a string id"]);
    // Its answer in a batch settles it.
    client.port.postMessage([{ t: 10, id: 2, v: 2 }]);
    assert.equal(await lone, 2);

    // The next lone call: a FAIL with its id rejects it.
    const next = remote.ask("incr");
    assert.deepEqual(await client.next(), [3, "incr", []]);
    client.port.postMessage({
      t: 11,
      id: 3,
      e: { name: "RangeError", message: "out of range" },
    });
    await assert.rejects(next, (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.equal((error as RangeError).message, "out of range");
      return true;
    });
    // And still one at a time: the call after it goes alone again.
    const last = remote.ask("incr");
    assert.deepEqual(await client.next(), [4, "incr", []]);
    client.port.postMessage([4, 4]);
    assert.equal(await last, 4);
  } finally {
    await close();
  }
});

test("connect() takes an answer for id 0, which no call has, as no answer: the next call still goes alone", async () => {
  const { remote, client, close } = await connectToRawServer((endpoint) =>
    connect<
      Owner<{ n: number }, {
        incr: (s: { n: number }) => number;
        items: (s: { n: number }) => number[];
      }>
    >(endpoint)
  );
  try {
    await answerFirstCall(client, remote.ask("incr"));
    // Nothing unanswered now. A stream (not a call) to know when the
    // answer for id 0 has been taken in: its END comes after it.
    const reader = remote.stream("items").getReader();
    assert.deepEqual(await client.next(), [
      { t: 1, id: 2, op: "items", args: [], credit: 256 },
    ]);
    client.port.postMessage([0, "zero"]);
    client.port.postMessage([{ t: 13, id: 2 }, { t: 16, n: 1 }]);
    assert.equal((await reader.read()).done, true);
    const next = remote.ask("incr");
    assert.deepEqual(await client.next(), [3, "incr", []]);
    client.port.postMessage([3, 3]);
    assert.equal(await next, 3);
  } finally {
    await close();
  }
});
