// Compile-time checks of Machine's inferred types: `npm run check` (tsc)
// and `deno test` type-check this file, so every `@ts-expect-error` below
// must meet an error. At run time the same lines run too: the misuse the
// types forbid is refused by the machine as well.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Machine,
  type MachineSnapshot,
  type MachineTransition,
  TransitionError,
} from "../mod.ts";

/** Compiles only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;
function sameType<A, B>(proof: Equal<A, B>): boolean {
  return proof;
}

function connection() {
  return new Machine({
    initial: "idle",
    context: { sent: 0 },
    states: {
      idle: {
        on: {
          send: { target: "inflight", action: (ctx) => void ctx.sent++ },
          close: "closing",
        },
      },
      inflight: {
        on: { done: "idle", close: "closing" },
        after: { 5000: "closing" },
      },
      closing: {},
    },
  });
}

test("Machine types: state(), send(), snapshot() and watch() are inferred from the config", async () => {
  const conn = connection();
  type Conn = typeof conn;
  type States = "idle" | "inflight" | "closing";
  type Events = "send" | "close" | "done";
  assert.ok(sameType<Awaited<ReturnType<Conn["state"]>>, States>(true));
  assert.ok(sameType<Awaited<ReturnType<Conn["send"]>>, States>(true));
  assert.ok(sameType<Parameters<Conn["send"]>[0], Events>(true));
  assert.ok(sameType<Parameters<Conn["can"]>[0], Events>(true));
  assert.ok(
    sameType<
      Awaited<ReturnType<Conn["snapshot"]>>,
      MachineSnapshot<States, { sent: number }>
    >(true),
  );
  assert.ok(
    sameType<
      ReturnType<Conn["watch"]>,
      ReadableStream<MachineTransition<States, Events>>
    >(true),
  );
  assert.ok(sameType<Conn, Machine<States, Events, { sent: number }>>(true));
  // with() keeps the types.
  assert.ok(sameType<ReturnType<Conn["with"]>, Conn>(true));

  const state: States = await conn.send("send");
  assert.equal(state, "inflight");
  // @ts-expect-error: a state() result is not narrower than the union
  const idle: "idle" = await conn.state();
  assert.equal(idle, "inflight");
  const snap = await conn.snapshot();
  assert.equal(snap.context.sent, 1);
  // @ts-expect-error: the context has no such field
  assert.equal(snap.context.missing, undefined);
  await conn.close();
});

test('Machine types: send("typo") is a compile error, and a TransitionError at run time', async () => {
  const conn = connection();
  // @ts-expect-error: "sned" is no event of this machine
  await assert.rejects(conn.send("sned"), TransitionError);
  // @ts-expect-error: nor for can()
  assert.equal(await conn.can("sned"), false);
  // @ts-expect-error: events are strings
  await assert.rejects(conn.send(1), TypeError);
  const final = new Machine({ initial: "done", states: { done: {} } });
  assert.ok(sameType<Parameters<typeof final["send"]>[0], never>(true));
  // @ts-expect-error: a machine with no events accepts none
  await assert.rejects(final.send("anything"), TransitionError);
  await conn.close();
  await final.close();
});

test("Machine types: a target or initial naming no state is a compile error, and a RangeError at run time", () => {
  assert.throws(
    () =>
      new Machine({
        initial: "a",
        states: {
          // @ts-expect-error: "bb" is not a state
          a: { on: { go: "bb" } },
          b: {},
        },
      }),
    RangeError,
  );
  assert.throws(
    () =>
      new Machine({
        initial: "a",
        states: {
          // @ts-expect-error: nor in the long form
          a: { on: { go: { target: "bb" } } },
          b: {},
        },
      }),
    RangeError,
  );
  assert.throws(
    () =>
      new Machine({
        initial: "a",
        states: {
          // @ts-expect-error: nor as a state timeout's target
          a: { after: { 100: "bb" } },
          b: {},
        },
      }),
    RangeError,
  );
  assert.throws(
    () =>
      new Machine({
        // @ts-expect-error: initial must be one of the states
        initial: "z",
        states: { a: {} },
      }),
    RangeError,
  );
  assert.throws(
    () =>
      new Machine({
        initial: "a",
        states: {
          // @ts-expect-error: a misspelt key in a state
          a: { entyr: () => {} },
        },
      }),
    TypeError,
  );
});

test("Machine types: guards and effects see the context type; guards return booleans", async () => {
  const m = new Machine({
    initial: "open",
    context: { balance: 10 },
    states: {
      open: {
        on: {
          withdraw: {
            target: "open",
            // A payload parameter may be annotated (it is not checked at send()).
            guard: (ctx, amount: number) => ctx.balance >= amount,
            action: (ctx, amount: number) => void (ctx.balance -= amount),
          },
          close: {
            target: "closed",
            // @ts-expect-error: guards see a read-only context
            guard: (ctx) => (ctx.balance = 0) === 0,
          },
        },
      },
      closed: {},
    },
  });
  assert.equal(await m.send("withdraw", 4), "open");
  assert.equal((await m.snapshot()).context.balance, 6);
  assert.throws(
    () =>
      new Machine({
        initial: "a",
        context: { n: 0 },
        states: {
          a: {
            on: {
              // @ts-expect-error: a guard must be a function
              go: { target: "a", guard: true },
            },
          },
        },
      }),
    TypeError,
  );
  await m.close();
});
