// The round trip's fast path: a client with nothing unanswered sends a lone
// call over the port as one bare message, and gets its answer the same way.
// Over MessageChannel pairs, with a raw client or a raw server on one end to
// see the frames themselves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner, TimeoutError } from "../mod.ts";
import { connect, type Endpoint, serve } from "../src/workers/mod.ts";
import { deferred, manualClock, nextMacrotask } from "./_helpers.ts";
import {
  answerFirstCall,
  connectToRawServer,
  type Frame,
  rawServer,
  serveToRawClient,
} from "./_workers.ts";

const streamsTransfer = (() => {
  try {
    const stream = new ReadableStream();
    structuredClone(stream, { transfer: [stream] }).cancel();
    return true;
  } catch {
    return false;
  }
})();

test("serve() answers a lone call from the port with one bare message and no credit", async () => {
  const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n });
  const { client, close } = await serveToRawClient(owner, {
    transport: "port",
    window: 4,
  });
  try {
    client.port.postMessage({ t: 0, id: 1, op: "incr", args: [] });
    assert.deepEqual(await client.next(), [1, 1]);
    // A batch still gets its credit back, with its replies or after them.
    client.port.postMessage([{ t: 0, id: 2, op: "incr", args: [] }]);
    const batched: Frame[] = [];
    while (!batched.some((m) => m.t === 16)) {
      const frame = await client.next();
      assert.ok(Array.isArray(frame));
      batched.push(...frame);
    }
    assert.deepEqual(batched, [{ t: 10, id: 2, v: 2 }, { t: 16, n: 1 }]);
    client.port.postMessage({ t: 0, id: 3, op: "nope", args: [] });
    const failed = await client.next() as Frame;
    assert.equal(failed.t, 11);
    assert.equal(failed.id, 3);
    assert.equal(await owner.ask("incr"), 3);
  } finally {
    await close();
  }
});

test("connect() sends a call alone only while nothing it sent is unanswered, a timed-out call included", async () => {
  const clock = manualClock();
  const { remote, client, close } = await connectToRawServer((endpoint) =>
    connect<Owner<{ n: number }, { incr: (s: { n: number }) => number }>>(
      endpoint,
      { clock },
    )
  );
  try {
    await answerFirstCall(client, remote.ask("incr"));

    const first = remote.with({ timeout: 10 }).ask("incr");
    first.catch(() => {});
    const alone = await client.next() as Frame;
    assert.deepEqual(alone, { t: 0, id: 2, op: "incr", args: [], s: 1 });
    clock.advance(10);
    await assert.rejects(first, TimeoutError);
    assert.deepEqual(await client.next(), [{ t: 4, id: 2 }]); // CANCEL
    // The server still owes call 2 its answer: call 3 goes in a batch.
    const second = remote.ask("incr");
    second.catch(() => {});
    assert.deepEqual(await client.next(), [{
      t: 0,
      id: 3,
      op: "incr",
      args: [],
    }]);
    client.port.postMessage({
      t: 11,
      id: 2,
      e: { name: "AbortError", message: "", dom: true },
    });
    client.port.postMessage([{ t: 10, id: 3, v: 3 }, { t: 16, n: 2 }]);
    assert.equal(await second, 3);
    // Everything answered: alone again.
    const third = remote.ask("incr");
    third.catch(() => {});
    assert.deepEqual(await client.next(), [4, "incr", []]);
    client.port.postMessage([4, 4]);
    assert.equal(await third, 4);
  } finally {
    await close();
  }
});

test(
  "connect() over streams starts the batch after a lone call with AFTER, and serve() holds that batch until the call is in",
  { skip: !streamsTransfer && "this runtime cannot transfer streams" },
  async () => {
    // The client's side: the lone call on the port, the next batch marked.
    let commands: WritableStream<unknown> | undefined;
    const written: unknown[] = [];
    const server = rawServer((port) => {
      commands = new WritableStream({
        write: (batch) => void written.push(batch),
      });
      port.postMessage({ t: 20, mode: "stream", commands }, [
        commands as unknown as Transferable,
      ]);
    });
    const remote = connect<
      Owner<{ n: number }, { incr: (s: { n: number }) => number }>
    >(
      server.endpoint,
    );
    const client = await server.client;
    // A first call, answered, so that the client surely has the handshake.
    const warm = remote.ask("incr");
    // It went alone (a frame on the port) or in a batch (on the stream).
    for (let i = 0; i < 100; i++) {
      if (written.length > 0) break;
      if (client.count() > 0) {
        await client.next();
        break;
      }
      await nextMacrotask();
    }
    client.port.postMessage([1, 1]);
    assert.equal(await warm, 1);
    written.length = 0;

    remote.ask("incr").catch(() => {});
    assert.deepEqual(await client.next(), [2, "incr", []]);
    remote.ask("incr").catch(() => {});
    for (let i = 0; i < 100 && written.length === 0; i++) await nextMacrotask();
    assert.deepEqual(written, [[{ t: 7, id: 2 }, {
      t: 0,
      id: 3,
      op: "incr",
      args: [],
    }]]);
    await remote.close();
    server.close();

    // The serving side: a batch marked AFTER 1 waits for call 1, even when
    // the batch comes first.
    const order: number[] = [];
    const owner = new Owner({ n: 0 }, {
      mark: (s, i: number) => {
        order.push(i);
        return ++s.n;
      },
    });
    const { client: raw, close } = await serveToRawClient(owner);
    try {
      assert.equal(raw.hello.mode, "stream");
      const writer = (raw.hello.commands as WritableStream<unknown>)
        .getWriter();
      writer.write([{ t: 7, id: 1 }, { t: 0, id: 2, op: "mark", args: [2] }]);
      for (let i = 0; i < 5; i++) await nextMacrotask();
      assert.deepEqual(order, []); // held
      raw.port.postMessage({ t: 0, id: 1, op: "mark", args: [1] });
      assert.deepEqual(await raw.next(), [1, 1]);
      assert.deepEqual(await raw.next(), [{ t: 10, id: 2, v: 2 }]);
      assert.deepEqual(order, [1, 2]);
      writer.releaseLock();
    } finally {
      await close();
    }
  },
);

test("a remote call waits for room in a full owner, whatever its overflow option says, on the fast path too", async () => {
  const gate = deferred<void>();
  const owner = new Owner({ n: 0 }, {
    hold: () => gate.promise,
    incr: (s) => ++s.n,
  }, { highWaterMark: 1, overflow: "reject" });
  const { port1, port2 } = new MessageChannel();
  const serving = serve(owner, port1);
  const remote = connect<typeof owner>(port2);
  try {
    assert.equal(await remote.ask("incr"), 1); // connected
    const held = owner.ask("hold");
    const queued = owner.ask("incr"); // the queue is now full
    const call = remote.ask("incr");
    let settled = false;
    call.then(() => (settled = true), () => (settled = true));
    for (let i = 0; i < 5; i++) await nextMacrotask();
    assert.equal(settled, false); // waiting, not refused
    gate.resolve();
    await held;
    assert.equal(await queued, 2);
    assert.equal(await call, 3);
  } finally {
    await remote.close();
    serving.close();
    port1.close();
    await owner.close();
  }
});

test("a fast call still queued at the owner when its client's channel ends never runs", async () => {
  const gate = deferred<void>();
  let runs = 0;
  const owner = new Owner({ n: 0 }, {
    hold: () => gate.promise,
    incr: (s) => {
      runs++;
      return ++s.n;
    },
  });
  const { port1, port2 } = new MessageChannel();
  // The endpoint, with an eye on the client's channel: tells when call 2
  // has reached the serving side (whose listener runs in the same task).
  const arrived = deferred<void>();
  const endpoint: Endpoint & { start(): void } = {
    postMessage: (message, transfer) => port1.postMessage(message, transfer),
    addEventListener: (type, listener) =>
      port1.addEventListener(type, (event: MessageEvent) => {
        const port = (event.data as { port?: MessagePort })?.port;
        port?.addEventListener("message", (e: MessageEvent) => {
          // A lone call comes as the frame [id, op, args].
          const data: unknown = e.data;
          const id = Array.isArray(data)
            ? data[0]
            : (data as { id?: unknown })?.id;
          if (id === 2) arrived.resolve();
        });
        listener(event);
      }),
    start: () => port1.start(),
  };
  const serving = serve(owner, endpoint);
  const remote = connect<typeof owner>(port2);
  try {
    assert.equal(await remote.ask("incr"), 1);
    const held = owner.ask("hold");
    const call = remote.ask("incr");
    call.catch(() => {});
    await arrived.promise;
    await nextMacrotask(); // the serving side has queued it behind hold
    serving.close();
    await assert.rejects(call, { name: "ClosedError" });
    gate.resolve();
    await held;
    assert.equal(await owner.ask("incr"), 2);
    assert.equal(runs, 2); // the remote one never ran
  } finally {
    await remote.close();
    serving.close();
    port1.close();
    await owner.close();
  }
});
