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
//
// The generators and the runner are tests/_machine_histories.ts, shared with
// tests/property_inspect.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ClosedError,
  type MachineTransition,
  OverflowError,
  TimeoutError,
  TransitionError,
} from "../mod.ts";
import {
  type Ctx,
  type EdgeSpec,
  type Ev,
  EVENTS,
  type MachineStep,
  machineStepArb,
  Planned,
  runMachineHistory,
  type Spec,
  specArb,
} from "./_machine_histories.ts";

const RUNS = 1000;
let histories = 0;

async function runHistory(spec: Spec, steps: MachineStep[]): Promise<void> {
  histories++;
  const { cmds, outcomes, transitions: seen, signalReason, timersLeft } =
    await runMachineHistory(spec, steps);

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
  assert.equal(timersLeft, 0, "a timer was left behind");
}

test("Machine property: random machines and concurrent commands follow the transition table; refusals change nothing", async () => {
  histories = 0;
  await fc.assert(
    fc.asyncProperty(
      specArb,
      fc.array(machineStepArb, { minLength: 3, maxLength: 20 }),
      runHistory,
    ),
    { numRuns: RUNS, timeout: 5000 },
  );
  assert.ok(histories >= RUNS, `only ${histories} histories ran`);
});
