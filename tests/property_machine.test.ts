// Property tests: random machines (random transition tables, guards and
// effects) driven by random concurrent commands from many callers, checked
// against the transition table as a sequential model: only legal
// transitions happen, in the owner's order, and a refused or failed event
// leaves state and context exactly as they were.
//
// The owner's order is the issue order. A send commits if and only if it
// resolved (a send rejected by a timeout or a signal, even while its
// effects ran, is discarded), so the model replays the resolved sends;
// every other reply (can, state, snapshot, refusals) is checked against
// the model at its place in that order, and a watcher started first must
// see exactly the model's transitions.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ClosedError,
  Machine,
  type MachineTransition,
  OverflowError,
  TimeoutError,
  TransitionError,
} from "../mod.ts";
import { collect, flushMicrotasks, manualClock } from "./_helpers.ts";

const RUNS = 1000;
const EVENTS = ["e0", "e1", "e2"] as const;
type Ev = (typeof EVENTS)[number];
type Ctx = { n: number };
type Effect = "none" | "inc" | "throw" | "asyncInc" | "asyncThrow";
interface EdgeSpec {
  target: number;
  limit: number | null; // guard: ctx.n < limit
  action: Effect;
}
interface Spec {
  /** Per state, per event: a transition or none. */
  table: (EdgeSpec | null)[][];
  initial: number;
}
type Cmd =
  | { op: "send"; event: Ev; handle: number }
  | { op: "can"; event: Ev }
  | { op: "state" }
  | { op: "snapshot" };
type Step =
  | { t: "cmd"; cmd: Cmd }
  | { t: "yield"; rounds: number }
  | { t: "advance"; ms: number }
  | { t: "signal" };

const effectArb = fc.constantFrom<Effect>(
  "none",
  "none",
  "inc",
  "throw",
  "asyncInc",
  "asyncThrow",
);
const specArb: fc.Arbitrary<Spec> = fc.integer({ min: 1, max: 4 }).chain((
  count,
) =>
  fc.record({
    table: fc.array(
      fc.array(
        fc.option(
          fc.record({
            target: fc.nat(count - 1),
            limit: fc.option(fc.integer({ min: 0, max: 3 })),
            action: effectArb,
          }),
          { freq: 2 },
        ),
        { minLength: EVENTS.length, maxLength: EVENTS.length },
      ),
      { minLength: count, maxLength: count },
    ),
    initial: fc.nat(count - 1),
  })
);
const eventArb = fc.constantFrom(...EVENTS);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant("cmd" as const),
      cmd: fc.oneof(
        {
          weight: 5,
          arbitrary: fc.record({
            op: fc.constant("send" as const),
            event: eventArb,
            handle: fc.oneof(fc.constant(0), fc.nat(3)),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            op: fc.constant("can" as const),
            event: eventArb,
          }),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom<Cmd>({ op: "state" }, { op: "snapshot" }),
        },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("yield" as const),
      rounds: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("advance" as const),
      ms: fc.constantFrom(0, 1),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "signal" as const }) },
);

class Planned extends Error {}

function effect(kind: Effect): ((ctx: Ctx) => unknown) | undefined {
  switch (kind) {
    case "none":
      return undefined;
    case "inc":
      return (ctx) => {
        ctx.n++;
      };
    case "throw":
      return (ctx) => {
        ctx.n += 100; // on the draft: must be rolled back
        throw new Planned("action failed");
      };
    case "asyncInc":
      return async (ctx) => {
        await Promise.resolve();
        ctx.n++;
      };
    case "asyncThrow":
      return async (ctx) => {
        ctx.n += 100;
        await Promise.resolve();
        throw new Planned("async action failed");
      };
  }
}

function build(spec: Spec, clock: ReturnType<typeof manualClock>) {
  const states: Record<string, { on: Record<string, unknown> }> = {};
  spec.table.forEach((row, s) => {
    const on: Record<string, unknown> = {};
    row.forEach((edge, e) => {
      if (edge === null) return;
      const action = effect(edge.action);
      const limit = edge.limit;
      on[EVENTS[e]] = limit === null && action === undefined
        ? `s${edge.target}`
        : {
          target: `s${edge.target}`,
          guard: limit === null ? undefined : (ctx: Ctx) => ctx.n < limit,
          action,
        };
    });
    states[`s${s}`] = { on };
  });
  return new Machine(
    { initial: `s${spec.initial}`, context: { n: 0 }, states } as never,
    { clock },
  ) as unknown as Machine<
    string,
    Ev,
    Ctx
  >;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
let histories = 0;

async function runHistory(spec: Spec, steps: Step[]): Promise<void> {
  histories++;
  const clock = manualClock();
  const machine = build(spec, clock);
  const controller = new AbortController();
  const signalReason = new Error("signal");
  const handles = [
    machine,
    machine.with({ signal: controller.signal }),
    machine.with({ timeout: 0 }),
    machine.with({ timeout: 1 }),
  ];
  const transitions = collect(machine.watch());
  await flushMicrotasks(3);
  const cmds: Cmd[] = [];
  const outcomes: (Outcome | undefined)[] = [];
  for (const step of steps) {
    switch (step.t) {
      case "yield":
        await flushMicrotasks(step.rounds);
        break;
      case "advance":
        clock.advance(step.ms);
        break;
      case "signal":
        controller.abort(signalReason);
        break;
      case "cmd": {
        const id = cmds.length;
        const cmd = step.cmd;
        cmds.push(cmd);
        const reply: Promise<unknown> = cmd.op === "send"
          ? handles[cmd.handle].send(cmd.event)
          : cmd.op === "can"
          ? machine.can(cmd.event)
          : cmd.op === "state"
          ? machine.state()
          : machine.snapshot();
        reply.then(
          (value) => {
            assert.equal(
              outcomes[id],
              undefined,
              `command ${id} settled twice`,
            );
            outcomes[id] = { ok: true, value };
          },
          (error) => {
            assert.equal(
              outcomes[id],
              undefined,
              `command ${id} settled twice`,
            );
            outcomes[id] = { ok: false, error };
          },
        );
      }
    }
  }
  machine.close();
  let closed = false;
  machine.closed.then(() => (closed = true));
  for (
    let round = 0;
    !(closed && outcomes.filter(Boolean).length === cmds.length);
    round++
  ) {
    assert.ok(round < 200, "history did not settle");
    clock.advance(10);
    await flushMicrotasks(10);
  }
  const seen = await transitions;

  // ---- the model
  let state = spec.initial;
  const ctx: Ctx = { n: 0 };
  const log: MachineTransition<string, Ev>[] = [];
  const legal = (e: number): EdgeSpec | null => {
    const edge = spec.table[state][e];
    if (edge === null) return null;
    if (edge.limit !== null && !(ctx.n < edge.limit)) return null;
    return edge;
  };
  cmds.forEach((cmd, id) => {
    const outcome = outcomes[id]!;
    if (cmd.op === "state") {
      assert.deepEqual(
        outcome,
        { ok: true, value: `s${state}` },
        `state() ${id}`,
      );
      return;
    }
    if (cmd.op === "snapshot") {
      assert.deepEqual(outcome, {
        ok: true,
        value: { state: `s${state}`, context: { n: ctx.n } },
      }, `snapshot() ${id}`);
      return;
    }
    const e = EVENTS.indexOf(cmd.event);
    const edge = legal(e);
    if (cmd.op === "can") {
      assert.deepEqual(
        outcome,
        { ok: true, value: edge !== null },
        `can(${cmd.event}) ${id} in s${state}`,
      );
      return;
    }
    if (outcome.ok) {
      assert.ok(
        edge !== null,
        `illegal transition s${state} --${cmd.event}--> ${
          String(outcome.value)
        }`,
      );
      assert.ok(edge.action !== "throw" && edge.action !== "asyncThrow");
      assert.equal(outcome.value, `s${edge.target}`);
      log.push({ from: `s${state}`, event: cmd.event, to: `s${edge.target}` });
      if (edge.action === "inc" || edge.action === "asyncInc") ctx.n++;
      state = edge.target;
      return;
    }
    const error = outcome.error;
    if (error instanceof TransitionError) {
      assert.equal(edge, null, `legal send ${id} refused: ${error.message}`);
      assert.equal(error.from, `s${state}`);
      assert.equal(error.event, cmd.event);
      return;
    }
    if (error instanceof Planned) {
      assert.ok(
        edge !== null &&
          (edge.action === "throw" || edge.action === "asyncThrow"),
      );
      return; // rolled back: state and context unchanged
    }
    assert.ok(
      error === signalReason || error instanceof TimeoutError ||
        error instanceof ClosedError ||
        error instanceof OverflowError,
      `send ${id} rejected with ${String(error)}`,
    );
  });
  assert.deepEqual(
    seen,
    log,
    "the watcher saw exactly the model's transitions",
  );
  assert.equal(clock.pending(), 0, "a timer was left behind");
}

test("Machine property: random machines and concurrent commands follow the transition table; refusals change nothing", async () => {
  histories = 0;
  await fc.assert(
    fc.asyncProperty(
      specArb,
      fc.array(stepArb, { minLength: 3, maxLength: 20 }),
      runHistory,
    ),
    { numRuns: RUNS, timeout: 5000 },
  );
  assert.ok(histories >= RUNS, `only ${histories} histories ran`);
});
