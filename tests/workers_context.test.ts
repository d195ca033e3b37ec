// Context across threads: connect()'s `carry` and serve()'s `enter` (the
// generic hook trace propagation builds on), over MessageChannel pairs as
// in workers.test.ts, and a raw port for what a hostile client can send.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Envelope, Owner, Store } from "../mod.ts";
import { connect, type Endpoint, serve } from "../src/workers/mod.ts";
import { collect, deferred, nextMacrotask } from "./_helpers.ts";

type Ctx = Record<string, string>;

/** A synchronous context, as `context.with()` keeps one. */
function contexts(): {
  readonly active: Ctx | undefined;
  entered: Ctx[];
  enter: <T>(carried: Ctx, run: () => T) => T;
} {
  const state = {
    active: undefined as Ctx | undefined,
    entered: [] as Ctx[],
    enter: <T>(carried: Ctx, run: () => T): T => {
      state.entered.push(carried);
      const outer = state.active;
      state.active = carried;
      try {
        return run();
      } finally {
        state.active = outer;
      }
    },
  };
  return state;
}

/**
 * A target that records, for each command it takes in, the context active
 * at that moment (where an Owner fires `accepted`), then hands the command
 * to a real owner.
 */
function recording<T extends { writable: WritableStream<Envelope> }>(
  owner: T & { closed: Promise<void> },
  active: () => Ctx | undefined,
): {
  target: { writable: WritableStream<Envelope>; closed: Promise<void> };
  taken: { op: string; ctx: string | undefined }[];
} {
  const taken: { op: string; ctx: string | undefined }[] = [];
  const writer = owner.writable.getWriter();
  const writable = new WritableStream<Envelope>({
    write: (envelope) => {
      taken.push({ op: envelope.op, ctx: active()?.id });
      return writer.write(envelope);
    },
  });
  return { target: { writable, closed: owner.closed }, taken };
}

for (const transport of ["auto", "port"] as const) {
  const suffix = transport === "auto" ? "" : " [port transport]";

  test(
    "serve() takes in each carried ask() and stream() inside enter(), with that command's own record" +
      suffix,
    async () => {
      const owner = new Owner({ n: 0 }, {
        incr: (s) => ++s.n,
        upTo: (s, k: number) => Array.from({ length: k }, (_, i) => s.n + i),
      });
      const ctx = contexts();
      const { target, taken } = recording(owner, () => ctx.active);
      const { port1, port2 } = new MessageChannel();
      const serving = serve(target, port1, { enter: ctx.enter, transport });
      let next = 0;
      const remote = connect<typeof owner>(port2, {
        carry: () => ({ id: String(++next) }),
      });
      try {
        // One turn: the four commands travel as one batch.
        const a = remote.ask("incr");
        const b = remote.ask("incr");
        const items = collect(remote.stream("upTo", 2));
        const c = remote.ask("incr");
        assert.deepEqual(await Promise.all([a, b, items, c]), [
          1,
          2,
          [2, 3],
          3,
        ]);
        assert.deepEqual(taken, [
          { op: "incr", ctx: "1" },
          { op: "incr", ctx: "2" },
          { op: "upTo", ctx: "3" },
          { op: "incr", ctx: "4" },
        ]);
        assert.deepEqual(ctx.entered, [
          { id: "1" },
          { id: "2" },
          { id: "3" },
          { id: "4" },
        ]);
        assert.equal(ctx.active, undefined);
      } finally {
        await remote.close();
        serving.close();
        port1.close();
        await owner.close();
      }
    },
  );

  test(
    "serve() enters a carried Store.watch() and keeps it after the client's earlier commands" +
      suffix,
    async () => {
      const store = new Store<string, number>();
      const ctx = contexts();
      const { port1, port2 } = new MessageChannel();
      const serving = serve(store, port1, { enter: ctx.enter, transport });
      const remote = connect<typeof store>(port2, {
        carry: () => ({ id: "w" }),
      });
      try {
        const set = remote.set("k", 1);
        const reader = remote.watch("k").getReader();
        await set;
        assert.deepEqual(await reader.read(), { done: false, value: 1 });
        assert.deepEqual(ctx.entered, [{ id: "w" }, { id: "w" }]);
        await reader.cancel();
      } finally {
        await remote.close();
        serving.close();
        port1.close();
        await store.close();
      }
    },
  );
}

/** A raw client: the handshake by hand, then batches on the port. */
async function rawClient(endpoint: MessagePort): Promise<{
  send(batch: unknown[]): void;
  replies(n: number): Promise<Record<string, unknown>[]>;
  close(): void;
}> {
  const { port1, port2 } = new MessageChannel();
  const received: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  const hello = deferred<void>();
  port1.addEventListener("message", (event: MessageEvent) => {
    const data: unknown = event.data;
    if (Array.isArray(data)) {
      for (const m of data as Record<string, unknown>[]) {
        if (m.t !== 16) received.push(m); // not GRANT
      }
      wake?.();
    } else if ((data as { t?: unknown })?.t === 20) hello.resolve();
  });
  port1.start();
  endpoint.postMessage({ "warden:connect": 1, port: port2, name: "" }, [
    port2,
  ]);
  await hello.promise;
  return {
    send: (batch) => port1.postMessage(batch),
    replies: async (n) => {
      while (received.length < n) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return received.splice(0, n);
    },
    close: () => port1.close(),
  };
}

test("serve() drops a malformed carried record from a raw port, and the command still runs", async () => {
  const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n });
  const ctx = contexts();
  const { port1, port2 } = new MessageChannel();
  const serving = serve(owner, port1, {
    enter: ctx.enter,
    transport: "port",
  });
  const client = await rawClient(port2);
  const many: Record<string, string> = {};
  for (let i = 0; i < 33; i++) many[`k${i}`] = "v";
  const malformed: unknown[] = [
    null,
    "traceparent",
    42,
    ["a", "b"],
    { traceparent: 1 },
    { nested: { a: "b" } },
    { long: "x".repeat(1025) },
    { ["k".repeat(1025)]: "v" },
    many,
    new Date(0),
    new Map([["a", "b"]]),
  ];
  try {
    client.send(
      malformed.map((c, i) => ({ t: 0, id: i + 1, op: "incr", args: [], c })),
    );
    const replies = await client.replies(malformed.length);
    assert.deepEqual(
      replies,
      malformed.map((_, i) => ({ t: 10, id: i + 1, v: i + 1 })),
    );
    assert.deepEqual(ctx.entered, []);
    // The limits themselves are allowed.
    const full: Record<string, string> = {};
    for (let i = 0; i < 32; i++) {
      full[`k${i}`.padEnd(1024, "k")] = "v".repeat(1024);
    }
    client.send([{ t: 0, id: 100, op: "incr", args: [], c: full }]);
    assert.deepEqual(await client.replies(1), [{ t: 10, id: 100, v: 12 }]);
    assert.deepEqual(ctx.entered, [full]);
  } finally {
    client.close();
    serving.close();
    port1.close();
    await owner.close();
  }
});

test("serve() still runs a carried command whose enter() throws or never calls run()", async () => {
  const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n });
  let calls = 0;
  const { port1, port2 } = new MessageChannel();
  const serving = serve(owner, port1, {
    enter: <T>(carried: Ctx, run: () => T): T => {
      calls++;
      if (carried.mode === "throw") throw new Error("enter failed");
      if (carried.mode === "skip") return undefined as T;
      run();
      return run(); // a second call runs nothing more
    },
  });
  let mode = "throw";
  const remote = connect<typeof owner>(port2, { carry: () => ({ mode }) });
  try {
    assert.equal(await remote.ask("incr"), 1);
    mode = "skip";
    assert.equal(await remote.ask("incr"), 2);
    mode = "twice";
    assert.equal(await remote.ask("incr"), 3);
    assert.equal(await owner.ask("incr"), 4);
    assert.equal(calls, 3);
  } finally {
    await remote.close();
    serving.close();
    port1.close();
    await owner.close();
  }
});

/** A raw server: answers the handshake in port mode, records the batches. */
function rawServer(): {
  endpoint: Endpoint;
  batch(): Promise<Record<string, unknown>[]>;
  close(): void;
} {
  const { port1, port2 } = new MessageChannel();
  const batches: Record<string, unknown>[][] = [];
  let wake: (() => void) | undefined;
  let client: MessagePort | undefined;
  port1.addEventListener("message", (event: MessageEvent) => {
    client = (event.data as { port: MessagePort }).port;
    client.addEventListener("message", (e: MessageEvent) => {
      if (Array.isArray(e.data)) {
        batches.push(e.data);
        wake?.();
      }
    });
    client.start();
    client.postMessage({ t: 20, mode: "port", window: 64 });
  });
  port1.start();
  return {
    endpoint: port2,
    batch: async () => {
      while (batches.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return batches.shift()!;
    },
    close: () => {
      client?.close();
      port1.close();
      port2.close();
    },
  };
}

type Counter = Owner<{ n: number }, {
  incr: (s: { n: number }) => number;
  list: (s: { n: number }) => number[];
}>;

test("connect() without carry adds nothing to the command frame; with it, a copy of the record per command", async () => {
  const plain = rawServer();
  const bare = connect<Counter>(plain.endpoint);
  bare.ask("incr").catch(() => {});
  bare.stream("list").getReader().read().catch(() => {});
  const [call, stream] = await plain.batch();
  assert.deepEqual(Object.keys(call), ["t", "id", "op", "args"]);
  assert.deepEqual(Object.keys(stream), ["t", "id", "op", "args", "credit"]);
  await bare.close();
  plain.close();

  const carrying = rawServer();
  let record: Record<string, string> | undefined = { traceparent: "00-a-b-01" };
  const remote = connect<Counter>(carrying.endpoint, {
    carry: () => record,
  });
  remote.ask("incr").catch(() => {});
  const sent = record;
  record.traceparent = "changed after the call"; // the call copied it
  record = undefined; // no context: nothing added
  remote.ask("incr").catch(() => {});
  record = { bad: 1 } as unknown as Record<string, string>; // dropped here
  remote.ask("incr").catch(() => {});
  const [first, second, third] = await carrying.batch();
  assert.deepEqual(first.c, { traceparent: "00-a-b-01" });
  assert.notEqual(first.c, sent);
  assert.equal("c" in second, false);
  assert.equal("c" in third, false);
  await remote.close();
  carrying.close();
});

test("connect() rejects a command whose carry() throws, with a TypeError and the cause, and does not send it", async () => {
  const owner = new Owner({ n: 0 }, {
    incr: (s) => ++s.n,
    upTo: (s, k: number) => Array.from({ length: k }, (_, i) => s.n + i),
  });
  const { port1, port2 } = new MessageChannel();
  const serving = serve(owner, port1);
  const failure = new Error("no context");
  let fail = true;
  const remote = connect<typeof owner>(port2, {
    carry: () => {
      if (fail) throw failure;
      return { id: "1" };
    },
  });
  try {
    await assert.rejects(remote.ask("incr"), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.equal(
        error.message,
        'Cannot run "incr": the connection\'s carry() threw',
      );
      assert.equal(error.cause, failure);
      return true;
    });
    await assert.rejects(collect(remote.stream("upTo", 1)), TypeError);
    fail = false;
    assert.equal(await remote.ask("incr"), 1); // the first never ran
  } finally {
    await remote.close();
    serving.close();
    port1.close();
    await owner.close();
  }
});

test("serve()/connect(): enter and carry must be functions", async () => {
  const { port1, port2 } = new MessageChannel();
  const owner = new Owner({}, {});
  assert.throws(
    () => serve(owner, port1, { enter: 1 as never }),
    {
      name: "TypeError",
      message: /^Cannot serve: enter must be a function, received /,
    },
  );
  assert.throws(
    () => connect(port2, { carry: "x" as never }),
    {
      name: "TypeError",
      message: /^Cannot connect: carry must be a function, received /,
    },
  );
  port1.close();
  port2.close();
  await nextMacrotask();
  await owner.close();
});
