// Random machines (random transition tables, guards and effects) driven by
// random concurrent commands from many callers: the generators and the
// runner shared by tests/property_machine.test.ts (checked against the
// transition table as a sequential model) and tests/property_inspect.test.ts
// (run twice, with and without an inspector). Not a test file: it has no
// test() calls, and its name (a leading `_`, no `.test.`/`_test.`) keeps it
// out of Node's `tests/*.test.ts`, `deno test tests/` and `bun test ./tests`.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Machine,
  type MachineOptions,
  type MachineTransition,
} from "../mod.ts";
import { collect, flushMicrotasks, manualClock } from "./_helpers.ts";
import { type Outcome, playHistory, type TimeStep } from "./_play_history.ts";

export type { Outcome };

/** The events every random machine knows. */
export const EVENTS = ["e0", "e1", "e2"] as const;
/** One of EVENTS. */
export type Ev = (typeof EVENTS)[number];
/** A random machine's context. */
export type Ctx = { n: number };
/** What a transition's action does to the context. */
export type Effect = "none" | "inc" | "throw" | "asyncInc" | "asyncThrow";
/** One transition of the table. */
export interface EdgeSpec {
  target: number;
  limit: number | null; // guard: ctx.n < limit
  action: Effect;
}
/** A random machine: states s0, s1, …; events EVENTS. */
export interface Spec {
  /** Per state, per event: a transition or none. */
  table: (EdgeSpec | null)[][];
  initial: number;
}
/** One Machine command (`handle` picks a handle for send()). */
export type MachineCmd =
  | { op: "send"; event: Ev; handle: number }
  | { op: "can"; event: Ev }
  | { op: "state" }
  | { op: "snapshot" };
/** One step of a history: a command, or an event. */
export type MachineStep =
  | { t: "cmd"; cmd: MachineCmd }
  | TimeStep
  | { t: "signal" };

const effectArb = fc.constantFrom<Effect>(
  "none",
  "none",
  "inc",
  "throw",
  "asyncInc",
  "asyncThrow",
);
/** Random machines of 1 to 4 states. */
export const specArb: fc.Arbitrary<Spec> = fc.integer({ min: 1, max: 4 })
  .chain((
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
/** Random steps (the caller picks how many in a history). */
export const machineStepArb: fc.Arbitrary<MachineStep> = fc.oneof(
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
          arbitrary: fc.constantFrom<MachineCmd>(
            { op: "state" },
            { op: "snapshot" },
          ),
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

/** What the "throw" and "asyncThrow" actions fail with. */
export class Planned extends Error {}

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

function build(
  spec: Spec,
  options: MachineOptions,
): Machine<string, Ev, Ctx> {
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
    options,
  ) as unknown as Machine<string, Ev, Ctx>;
}

/** What one history left, read after the machine closed and all settled. */
export interface MachineRun {
  /** The commands in issue order. */
  cmds: MachineCmd[];
  /** Each command's outcome, by its index in `cmds`. */
  outcomes: Outcome[];
  /** What a watcher started before the first command saw. */
  transitions: MachineTransition<string, Ev>[];
  /** The reason handle 1's signal is aborted with. */
  signalReason: Error;
  /** The fake clock's timers left once all settled. */
  timersLeft: number;
  /** machine.stats() once all settled. */
  stats: ReturnType<Machine<string, Ev, Ctx>["stats"]>;
}

/**
 * Runs a history on a fresh machine and fake clock, then closes the machine
 * and advances the clock until every command settled. `options` are added
 * to the machine's (an inspector, an onError).
 */
export async function runMachineHistory(
  spec: Spec,
  steps: MachineStep[],
  options: Pick<MachineOptions, "inspect" | "onError"> = {},
): Promise<MachineRun> {
  const clock = manualClock();
  const machine = build(spec, { clock, ...options });
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
  const cmds: MachineCmd[] = [];
  const outcomes: (Outcome | undefined)[] = [];
  let closed = false;
  return await playHistory(steps, clock, {
    step(step) {
      if (step.t === "signal") {
        controller.abort(signalReason);
        return;
      }
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
      const settle = (outcome: Outcome) => {
        assert.equal(outcomes[id], undefined, `command ${id} settled twice`);
        outcomes[id] = outcome;
      };
      reply.then(
        (value) => settle({ ok: true, value }),
        (error) => settle({ ok: false, error }),
      );
    },
    close() {
      machine.close();
      machine.closed.then(() => (closed = true));
    },
    settled: () => closed && outcomes.filter(Boolean).length === cmds.length,
    rounds: 200,
    unsettled: () => "history did not settle",
    // As soon as the watcher has ended (its last transition is in).
    end: () =>
      transitions.then((seen) => ({
        cmds,
        outcomes: outcomes as Outcome[],
        transitions: seen,
        signalReason,
        timersLeft: clock.pending(),
        stats: machine.stats(),
      })),
  });
}
