// The `inspect` option of the durable adapter's hosted owners, with
// stand-in objects (no workerd), as tests/durable/host.test.ts does.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  durableMachine,
  type DurableNamespace,
  type DurableObjectLike,
  type DurableObjectStateLike,
  durableStore,
  machineClient,
  storeClient,
} from "../src/durable/mod.ts";
import { recorder } from "./_inspect.ts";

const state = {
  storage: {} as DurableObjectStateLike["storage"],
  blockConcurrencyWhile: <T>(fn: () => Promise<T>) => fn(),
};

function namespaceOf(object: DurableObjectLike): DurableNamespace {
  return { idFromName: (name) => name, get: () => object };
}

test("durableStore inspect: the object's owner reports each client command", async () => {
  const { events, inspect } = recorder();
  const Counters = durableStore<string, number>()({
    persistence: () => ({
      load: () => Promise.resolve(undefined),
      save: () => Promise.resolve(),
    }),
    inspect,
    inspectValues: true,
  });
  const store = storeClient<typeof Counters>(
    namespaceOf(new Counters(state, {})),
    { name: "c" },
  );
  await store.set("a", 1);
  assert.equal(await store.get("a"), 1);
  const settled = events.filter((e) => e.type === "settled");
  assert.deepEqual(settled.map((e) => e.op), ["set", "get"]);
  const accepted = events.find((e) => e.type === "accepted" && e.op === "set");
  assert.ok(accepted?.type === "accepted");
  assert.deepEqual(accepted.args?.slice(0, 2), ["a", 1]);
  assert.equal(accepted.owner, "Owner");
});

test("durableMachine inspect: the hosted machine reports its transitions and refused events", async () => {
  const { events, inspect } = recorder();
  const Conn = durableMachine(() => ({
    initial: "idle",
    states: {
      idle: { on: { send: "inflight" } },
      inflight: { on: { done: "idle" } },
    },
  }), {
    persistence: () => ({
      load: () => Promise.resolve(undefined),
      save: () => Promise.resolve(),
    }),
    inspect,
  });
  const conn = machineClient<typeof Conn>(namespaceOf(new Conn(state, {})), {
    name: "m",
  });
  assert.equal(await conn.send("send"), "inflight");
  await assert.rejects(conn.send("send"));
  const kinds = events.filter((e) =>
    e.type === "transition" || e.type === "eventRefused"
  ).map((e) =>
    e.type === "transition"
      ? `${e.from} --${e.event}--> ${e.to}`
      : e.type === "eventRefused"
      ? `refused ${e.event} in ${e.from}`
      : ""
  );
  assert.deepEqual(kinds, [
    "idle --send--> inflight",
    "refused send in inflight",
  ]);
  assert.ok(events.every((e) => e.owner === "Machine"));
});
