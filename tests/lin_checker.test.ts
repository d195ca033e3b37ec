// The linearizability checker of tests/lin/ checked itself on hand-made
// histories: known non-linearizable ones are rejected with their smallest
// failing window, linearizable ones accepted. The random histories are in
// tests/lin_checker_properties.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertLinearizable,
  check,
  NotLinearizableError,
} from "./lin/checker.ts";
import { History, type Operation } from "./lin/history.ts";
import {
  type MachineInput,
  machineModel,
  type MachineOutput,
  type MachineTable,
  type StoreInput,
  storeModel,
  type StoreOutput,
} from "./lin/models.ts";

type In = StoreInput<string, number>;
type Out = StoreOutput<number>;
type Op = Operation<In, Out>;

const add = (current: number | undefined, by: number): number =>
  (current ?? 0) + by;
const store = storeModel<string, number>({ updaters: { add } });

/** An operation of client `client` over [invocation, response]. */
function op(
  client: number,
  invocation: number,
  response: number,
  input: In,
  output?: Out,
): Op {
  return response === Infinity
    ? { client, input, invocation, response }
    : { client, input, output, invocation, response };
}

test("check() rejects a stale read: a get after a completed set sees the old value", () => {
  const history = [
    op(1, 0, 1, { op: "set", key: "a", value: 1 }, undefined),
    op(1, 2, 3, { op: "set", key: "a", value: 2 }, undefined),
    op(2, 4, 5, { op: "get", key: "a" }, 1),
  ];
  const result = check(store, history);
  assert.equal(result.ok, false);
  assert.equal(result.window?.last, history[2]);
  assert.equal(result.window?.lastIsReturn, true);
  assert.equal(result.window?.events, 6);
  // The same read while the second set is in flight is fine.
  history[1] = op(1, 2, 6, { op: "set", key: "a", value: 2 }, undefined);
  assert.equal(check(store, history).ok, true);
});

test("check() rejects a lost update: two overlapping add(1) on 0 both return 1", () => {
  const history = [
    op(0, 0, 1, { op: "set", key: "n", value: 0 }, undefined),
    op(1, 2, 5, { op: "update", key: "n", updater: "add", args: [1] }, 1),
    op(2, 3, 6, { op: "update", key: "n", updater: "add", args: [1] }, 1),
  ];
  const result = check(store, history);
  assert.equal(result.ok, false);
  assert.equal(result.window?.last, history[2]);
  assert.equal(result.window?.operations.length, 3);
  history[2] = op(2, 3, 6, {
    op: "update",
    key: "n",
    updater: "add",
    args: [1],
  }, 2);
  assert.equal(check(store, history).ok, true);
});

test("check() rejects a read of a value never written, even with a write in flight", () => {
  const history = [
    op(1, 0, 10, { op: "set", key: "a", value: 1 }, undefined),
    op(2, 1, Infinity, { op: "set", key: "a", value: 2 }),
    op(3, 2, 3, { op: "get", key: "a" }, 7),
  ];
  const result = check(store, history);
  assert.equal(result.ok, false);
  assert.equal(result.window?.last, history[2]);
  // The window ends at the bad read: the set's response is beyond it.
  assert.equal(result.window?.events, 4);
  assert.equal(result.window?.operations[0]?.response, Infinity);
  assert.match(result.window!.text, /client 3 \[2, 3\] get\("a"\) -> 7/);
});

test("check() counts a call with no response as possibly applied, never before its invocation", () => {
  const seen = (value: number | undefined): Op[] => [
    op(1, 0, 1, { op: "set", key: "a", value: 1 }, undefined),
    op(2, 2, Infinity, { op: "set", key: "a", value: 2 }),
    op(3, 3, 4, { op: "get", key: "a" }, value),
  ];
  assert.equal(check(store, seen(2)).ok, true, "it took effect");
  assert.equal(check(store, seen(1)).ok, true, "it did not (yet)");
  assert.equal(check(store, seen(undefined)).ok, false, "nothing deletes a");
  // A crashed set cannot explain a value read before it was invoked.
  const early = [
    op(3, 0, 1, { op: "get", key: "a" }, 2),
    op(2, 2, Infinity, { op: "set", key: "a", value: 2 }),
  ];
  assert.equal(check(store, early).ok, false);
});

test("check() partitions a Store history by key unless size() or clear() reads every key", () => {
  const keyed = [
    op(1, 0, 1, { op: "set", key: "a", value: 1 }, undefined),
    op(2, 0, 1, { op: "set", key: "b", value: 1 }, undefined),
    op(1, 2, 3, { op: "delete", key: "a" }, true),
    op(2, 2, 3, { op: "has", key: "b" }, true),
  ];
  assert.equal(check(store, keyed).ok, true);
  assert.equal(check(store, keyed).parts, 2);
  const sized = [...keyed, op(3, 4, 5, { op: "size" }, 1)];
  assert.equal(check(store, sized).parts, 1);
  assert.equal(check(store, sized).ok, true);
  sized[4] = op(3, 4, 5, { op: "size" }, 2);
  assert.equal(check(store, sized).ok, false, "a was deleted before size()");
  const cleared = [
    ...keyed.slice(0, 2),
    op(3, 2, 3, { op: "clear" }, undefined),
    op(1, 4, 5, { op: "get", key: "b" }, 1),
  ];
  assert.equal(check(store, cleared).ok, false);
});

const lamp: MachineTable<"idle" | "inflight" | "closing", string> = {
  initial: "idle",
  states: {
    idle: { on: { send: "inflight", close: "closing" } },
    inflight: { on: { done: "idle", close: "closing" } },
    closing: {},
  },
};
const machine = machineModel(lamp);
type MOp = Operation<MachineInput<string>, MachineOutput<string>>;

test("check() rejects a Machine state never reached and a refusal no order explains", () => {
  const history: MOp[] = [
    {
      client: 1,
      input: { op: "send", event: "send" },
      output: "inflight",
      invocation: 0,
      response: 1,
    },
    {
      client: 2,
      input: { op: "send", event: "done" },
      output: "idle",
      invocation: 2,
      response: 3,
    },
    {
      client: 3,
      input: { op: "state" },
      output: "closing",
      invocation: 4,
      response: 5,
    },
  ];
  const result = check(machine, history);
  assert.equal(result.ok, false);
  assert.equal(result.window?.last, history[2]);
  assert.match(result.window!.text, /state\(\) -> "closing"/);
  history[2] = {
    client: 3,
    input: { op: "send", event: "done" },
    output: { error: "TransitionError" },
    invocation: 4,
    response: 5,
  };
  assert.equal(check(machine, history).ok, true, "done is refused in idle");
  history[1] = {
    client: 2,
    input: { op: "send", event: "done" },
    output: { error: "TransitionError" },
    invocation: 2,
    response: 3,
  };
  assert.equal(
    check(machine, history).ok,
    false,
    "done is allowed in inflight",
  );
});

test("assertLinearizable() throws NotLinearizableError carrying the window", () => {
  const history = [
    op(1, 0, 1, { op: "set", key: "a", value: 1 }, undefined),
    op(2, 2, 3, { op: "get", key: "a" }, undefined),
  ];
  assert.throws(
    () => assertLinearizable(store, history),
    (error: unknown) => {
      assert.ok(error instanceof NotLinearizableError);
      assert.equal(error.name, "NotLinearizableError");
      assert.equal(error.window.last, history[1]);
      assert.match(error.message, /shortest failing prefix is 4 of 4 events/);
      return true;
    },
  );
});

test("check() finds the shortest failing prefix of a long history", () => {
  const history: Op[] = [];
  let t = 0;
  for (let i = 0; i < 50; i++) {
    history.push(op(1, t++, t++, { op: "set", key: "a", value: i }, undefined));
    history.push(op(2, t++, t++, { op: "get", key: "a" }, i));
  }
  const bad = 61; // a get, made to read the value before its set
  history[bad] = { ...history[bad]!, output: 29 };
  const result = check(store, history);
  assert.equal(result.ok, false);
  assert.equal(result.window?.last, history[bad]);
  assert.equal(result.window?.events, 2 * (bad + 1));
});

test("check() gives up with RangeError past maxSteps", () => {
  const history = Array.from(
    { length: 12 },
    (_, i) => op(i, 0, 1, { op: "set", key: "a", value: i }, undefined),
  );
  history.push(op(99, 2, 3, { op: "get", key: "a" }, 42));
  assert.throws(
    () => check(store, history, { maxSteps: 100 }),
    (error: unknown) =>
      error instanceof RangeError && /passed 100 steps/.test(error.message),
  );
});

test("History.record() times calls and records a rejection as no response unless told otherwise", async () => {
  let now = 0;
  const history = new History<In, Out>({ clock: () => ++now });
  await history.record(1, { op: "set", key: "a", value: 1 }, async () => {});
  await assert.rejects(
    history.record(
      2,
      { op: "get", key: "a" },
      () => Promise.reject(new Error("lost")),
    ),
    { message: "lost" },
  );
  await assert.rejects(
    history.record(
      3,
      { op: "has", key: "a" },
      () => Promise.reject(new Error("no")),
      {
        outcome: () => ({ output: false }),
      },
    ),
  );
  assert.deepEqual(history.operations, [
    {
      client: 1,
      input: { op: "set", key: "a", value: 1 },
      invocation: 1,
      response: 2,
      output: undefined,
    },
    {
      client: 2,
      input: { op: "get", key: "a" },
      invocation: 3,
      response: Infinity,
    },
    {
      client: 3,
      input: { op: "has", key: "a" },
      invocation: 4,
      response: 5,
      output: false,
    },
  ]);
});
