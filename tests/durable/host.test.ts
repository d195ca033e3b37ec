// The hosting logic with stand-in objects (no workerd): any backend that
// implements Persistence plugs in; a reply waits for its save. Runtime-
// neutral: Deno and Bun pick it up from tests/, Node in test:durable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError, TransitionError } from "../../mod.ts";
import {
  durableMachine,
  type DurableNamespace,
  type DurableObjectLike,
  type DurableObjectStateLike,
  durableStore,
  machineClient,
  type MachineSnapshot,
  type Persistence,
  type StoreChange,
  storeClient,
} from "../../src/durable/mod.ts";
import {
  collect,
  deferred,
  flushMicrotasks,
  nextMacrotask,
} from "../_helpers.ts";

const state = {
  storage: {} as DurableObjectStateLike["storage"],
  blockConcurrencyWhile: <T>(fn: () => Promise<T>) => fn(),
};

function namespaceOf(object: DurableObjectLike): DurableNamespace {
  return { idFromName: (name) => name, get: () => object };
}

test("durableStore: a command's reply waits for its save, and a failed save leaves the value as it was", async () => {
  const saves: StoreChange<string, number>[][] = [];
  let gate = deferred();
  const persistence: Persistence<
    [string, number][],
    StoreChange<string, number>[]
  > = {
    load: () => Promise.resolve([["a", 1]]),
    async save(changes) {
      saves.push(changes);
      await gate.promise;
    },
  };
  const Counters = durableStore<string, number>()({
    persistence: () => persistence,
  });
  const store = storeClient<typeof Counters>(
    namespaceOf(new Counters(state, {})),
    { name: "c" },
  );
  assert.equal(await store.get("a"), 1); // loaded on start

  let replied = false;
  const set = store.set("a", 2).then(() => (replied = true));
  for (let i = 0; i < 5 && saves.length === 0; i++) await nextMacrotask();
  assert.deepEqual(saves, [[{ op: "set", key: "a", value: 2 }]]);
  await flushMicrotasks();
  assert.equal(replied, false); // the save has not finished: no reply yet
  gate.resolve();
  await set;
  assert.equal(await store.get("a"), 2);

  gate = deferred();
  gate.reject(new Error("disk full"));
  const error = await store.set("a", 3).catch((e) => e);
  assert.equal(error.message, "disk full");
  assert.equal(await store.get("a"), 2);
  const missing = await store.delete("zzz"); // nothing to delete: no save
  assert.equal(missing, false);
  assert.equal(saves.length, 2);
});

test("durableMachine: a failed save refuses the send and the machine goes back to the saved snapshot", async () => {
  let fail = true;
  const saved: MachineSnapshot<string, unknown>[] = [];
  const Conn = durableMachine(() => ({
    initial: "idle",
    states: {
      idle: { on: { send: "inflight" } },
      inflight: { on: { done: "idle" } },
    },
  }), {
    persistence: () => ({
      load: () => Promise.resolve(undefined),
      save(snapshot) {
        if (fail) return Promise.reject(new Error("disk full"));
        saved.push(snapshot);
        return Promise.resolve();
      },
    }),
  });
  const conn = machineClient<typeof Conn>(namespaceOf(new Conn(state, {})), {
    name: "m",
  });
  const error = await conn.send("send").catch((e) => e);
  assert.equal(error.message, "disk full");
  assert.equal(await conn.state(), "idle");
  fail = false;
  assert.equal(await conn.send("send"), "inflight");
  assert.deepEqual(saved, [{ state: "inflight", context: undefined }]);
  const refused = await conn.send("send").catch((e) => e);
  assert.ok(refused instanceof TransitionError);
  assert.equal(refused.from, "inflight");
  assert.equal(refused.event, "send");
});

test("durableStore: a malformed request is answered 400 and the object keeps serving", async () => {
  const Plain = durableStore<string, number>()({
    persistence: () => ({
      load: () => Promise.resolve(undefined),
      save: () => Promise.resolve(),
    }),
  });
  const object = new Plain(state, {});
  const bad = await object.fetch(
    new Request("https://do/", { method: "POST", body: '{"nope":1}' }),
  );
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.name, "TypeError");
  const get = await object.fetch(new Request("https://do/"));
  assert.equal(get.status, 405);
  const store = storeClient<typeof Plain>(namespaceOf(object), { name: "p" });
  await store.set("a", 1);
  assert.equal(await store.size(), 1);
});

test("storeClient() refuses a bad name or shard count", () => {
  const namespace = namespaceOf({
    fetch: () => Promise.reject(new Error("unused")),
  });
  assert.throws(
    () => storeClient(namespace, { name: 1 as unknown as string }),
    {
      name: "TypeError",
      message: "Cannot create StoreClient: name must be a string, received 1",
    },
  );
  assert.throws(
    () => storeClient(namespace, { name: "a", shards: 0 }),
    {
      name: "RangeError",
      message:
        "Cannot create StoreClient: shards must be a positive integer, received 0",
    },
  );
});

test("StoreClient: a failed request rejects its batch only; the next commands go through", async () => {
  const Plain = durableStore<string, number>()({
    persistence: () => ({
      load: () => Promise.resolve(undefined),
      save: () => Promise.resolve(),
    }),
  });
  const object = new Plain(state, {});
  let down = true;
  const namespace: DurableNamespace = {
    idFromName: (name) => name,
    get: () => ({
      fetch: (request) =>
        down
          ? Promise.reject(new TypeError("Network connection lost."))
          : object.fetch(request),
    }),
  };
  const store = storeClient<typeof Plain>(namespace, { name: "p" });
  const [a, b] = await Promise.allSettled([
    store.set("a", 1),
    store.set("b", 2),
  ]);
  assert.equal(a.status, "rejected");
  assert.equal(b.status, "rejected");
  assert.equal(
    (a as PromiseRejectedResult).reason.message,
    "Network connection lost.",
  );
  down = false;
  await store.set("c", 3);
  assert.equal(await store.size(), 1);
});

test("StoreClient.with({ signal }): aborted while waiting in the client, a command is never sent; aborted in flight, its reply is rejected", async () => {
  const Plain = durableStore<string, number>()({
    persistence: () => ({
      load: () => Promise.resolve(undefined),
      save: () => Promise.resolve(),
    }),
  });
  const object = new Plain(state, {});
  let gate = deferred();
  const sent: string[] = [];
  const namespace: DurableNamespace = {
    idFromName: (name) => name,
    get: () => ({
      async fetch(request) {
        const body = await request.clone().json();
        sent.push(...body.commands.map((c: { op: string }) => c.op));
        await gate.promise;
        return object.fetch(request);
      },
    }),
  };
  const store = storeClient<typeof Plain>(namespace, { name: "p" });
  const inFlight = new AbortController();
  const first = store.with({ signal: inFlight.signal }).set("a", 1);
  for (let i = 0; i < 5 && sent.length === 0; i++) await nextMacrotask();
  assert.deepEqual(sent, ["set"]); // the first batch is on the wire, held

  const queued = new AbortController();
  const second = store.with({ signal: queued.signal }).set("b", 2);
  const third = store.set("c", 3);
  queued.abort(new Error("no longer needed"));
  inFlight.abort(new Error("gave up"));
  await assert.rejects(first, { message: "gave up" });
  await assert.rejects(second, { message: "no longer needed" });
  gate.resolve();
  await third;
  assert.deepEqual(sent, ["set", "set"]); // "b" was never sent
  gate = deferred();
  gate.resolve();
  // "a" ran anyway (it was in flight); "b" never did.
  assert.deepEqual(await collect(store.entries()), [["a", 1], ["c", 3]]);
  const aborted = new AbortController();
  aborted.abort(new Error("already"));
  await assert.rejects(store.with({ signal: aborted.signal }).get("a"), {
    message: "already",
  });
  assert.throws(() => store.with({ timeout: -1 }), RangeError);
});

test("MachineClient.with({ timeout }): a reply that does not come in time rejects with TimeoutError", async () => {
  const Conn = durableMachine(() => ({
    initial: "idle",
    states: { idle: { on: { send: "inflight" } }, inflight: {} },
  }), {
    persistence: () => ({
      load: () => Promise.resolve(undefined),
      save: () => Promise.resolve(),
    }),
  });
  const object = new Conn(state, {});
  const gate = deferred();
  const namespace: DurableNamespace = {
    idFromName: (name) => name,
    get: () => ({
      fetch: (request) => gate.promise.then(() => object.fetch(request)),
    }),
  };
  const conn = machineClient<typeof Conn>(namespace, { name: "m" });
  const error = await conn.with({ timeout: 0 }).send("send").catch((e) => e);
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.timeout, 0);
  assert.deepEqual(error.command, { op: "send", args: ["send"] });
  gate.resolve();
  assert.equal(await conn.state(), "inflight"); // it was sent: it ran
});

test("durable clients rebuild warden's errors from the wire: TimeoutError keeps its timeout", async () => {
  const Slow = durableStore<string, number>()({
    persistence: () => ({
      load: () => Promise.resolve(undefined),
      save: () =>
        Promise.reject(new TimeoutError("storage too slow", { timeout: 5 })),
    }),
  });
  const store = storeClient<typeof Slow>(namespaceOf(new Slow(state, {})), {
    name: "s",
  });
  const error = await store.set("a", 1).catch((e) => e);
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.message, "storage too slow");
  assert.equal(error.timeout, 5);
  const untyped = store as unknown as {
    update(key: string, name: string): Promise<unknown>;
  };
  const unknown = await untyped.update("a", "nope").catch((e) => e);
  assert.ok(unknown instanceof TypeError);
  assert.equal(await store.has("a"), false);
});
