// Property tests: an inspector cannot change an owner's behaviour. Each
// random history (the same generators and runners as
// tests/property_store.test.ts and tests/property_machine.test.ts, shared in
// tests/_store_histories.ts and tests/_machine_histories.ts) runs twice, on
// a fresh owner and fake clock each time: without an inspector, then with
// one that records every event and, by a random plan, returns, throws,
// returns a promise that rejects, or returns a slow promise. The two transcripts (every reply, the order handlers ran, what
// watchers saw, the timers left, what reached onError besides
// InspectorErrors) must be equal; the inspected run's events must also
// follow the documented order for every command, and agree with stats().
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type InspectEvent,
  InspectorError,
  type Machine,
  type OwnerOptions,
  type Store,
} from "../mod.ts";
import { flushMicrotasks } from "./_helpers.ts";
import {
  type MachineStep,
  machineStepArb,
  runMachineHistory,
  type Spec,
  specArb,
} from "./_machine_histories.ts";
import {
  runStoreHistory,
  type StoreScenario,
  storeScenarioArb,
} from "./_store_histories.ts";

const RUNS = 300;

// ---- inspectors

type Behaviour = "return" | "throw" | "reject" | "slow";
const planArb = fc.array(
  fc.constantFrom<Behaviour>("return", "throw", "reject", "slow"),
  { minLength: 1, maxLength: 8 },
);

/** An inspector that records, then behaves as `plan` says, in turn. */
function planned(plan: Behaviour[]) {
  const events: InspectEvent[] = [];
  let i = 0;
  const inspect = (event: InspectEvent): unknown => {
    events.push(event);
    switch (plan[i++ % plan.length]) {
      case "return":
        return undefined;
      case "throw":
        throw new Error(`inspector threw on ${event.type}`);
      case "reject":
        return flushMicrotasks(2).then(() => {
          throw new Error("inspector rejected");
        });
      case "slow":
        return flushMicrotasks(5);
    }
  };
  return { events, inspect };
}

/** An error as a transcript shows it: the same object, or the same kind. */
function shown(error: unknown, known: Map<unknown, string>): unknown {
  const name = known.get(error);
  if (name !== undefined) return name;
  return error instanceof Error ? `${error.name}: ${error.message}` : error;
}

/**
 * One command's events: it ran (a Machine's transition or refusal inside),
 * possibly with its caller freed first (timedOut/aborted while running),
 * and ended as settled or stuck; or it ended while queued.
 */
const ORDER =
  /^accepted(,started(,(timedOut|aborted))?((,transition|,eventRefused)*,settled|,stuck)|,(timedOut|aborted))$/;

/** Every accepted command's events follow the documented order. */
function checkEvents(events: InspectEvent[], stats: {
  settled: number;
  rejected: number;
  refused: number;
}): void {
  const byId = new Map<number, string[]>();
  let refused = 0;
  for (const e of events) {
    if (e.type === "refused") {
      assert.equal(e.id, 0);
      refused++;
      continue;
    }
    if (e.id === 0) continue; // a transition outside any command
    let list = byId.get(e.id);
    if (list === undefined) byId.set(e.id, list = []);
    list.push(e.type);
  }
  const ids = [...byId.keys()];
  assert.deepEqual(ids, ids.map((_, i) => i + 1), "ids are 1, 2, 3…");
  for (const [id, list] of byId) {
    const trail = list.join(",");
    assert.match(trail, ORDER, `command ${id}: ${trail}`);
  }
  assert.equal(refused, stats.refused, "refused events = stats().refused");
  assert.equal(
    byId.size,
    stats.settled + stats.rejected,
    "every accepted command counted once in stats()",
  );
}

// ---- Store histories (tests/_store_histories.ts, as property_store's)

const storeScenarioWithTimeoutArb = storeScenarioArb({
  handlerTimeouts: [Infinity, Infinity, 3],
});

async function storeHistory(
  scenario: StoreScenario,
  inspect: OwnerOptions["inspect"],
): Promise<unknown> {
  const reported: unknown[] = [];
  const run = await runStoreHistory(scenario, {
    inspect,
    onError: (error) => {
      if (!(error instanceof InspectorError)) reported.push(error);
    },
  });
  const known = new Map<unknown, string>([
    [run.reasons[0], "signal A"],
    [run.reasons[1], "signal B"],
    [run.preAborted, "already aborted"],
    [run.abortReason, "store aborted"],
  ]);
  return {
    outcomes: run.cmds.map(({ id }) => {
      const outcome = run.outcomes.get(id)!;
      return outcome.ok
        ? { ok: outcome.value }
        : { error: shown(outcome.error, known) };
    }),
    ran: run.ran,
    seen: run.watched,
    timersLeft: run.timersLeft,
    reported: reported.map((e) => shown(e, known)),
    stats: run.stats,
  };
}

test("Store property: an inspector that throws, rejects or is slow changes nothing (same histories as property_store)", async () => {
  let histories = 0;
  await fc.assert(
    fc.asyncProperty(
      storeScenarioWithTimeoutArb,
      planArb,
      async (scenario, plan) => {
        histories++;

        const plain = await storeHistory(scenario, undefined);
        const inspector = planned(plan);
        const inspected = await storeHistory(scenario, inspector.inspect);
        await flushMicrotasks(10); // the inspector's own promises
        assert.deepEqual(inspected, plain);
        checkEvents(
          inspector.events,
          (inspected as { stats: ReturnType<Store<number, number>["stats"]> })
            .stats,
        );
      },
    ),
    { numRuns: RUNS, timeout: 10_000 },
  );
  assert.ok(histories >= RUNS);
});

// ---- Machine histories (tests/_machine_histories.ts, as property_machine's)

async function machineHistory(
  spec: Spec,
  steps: MachineStep[],
  inspect: OwnerOptions["inspect"],
): Promise<unknown> {
  const reported: unknown[] = [];
  const run = await runMachineHistory(spec, steps, {
    inspect,
    onError: (error) => {
      if (!(error instanceof InspectorError)) reported.push(error);
    },
  });
  const known = new Map<unknown, string>([[run.signalReason, "signal"]]);
  return {
    outcomes: run.outcomes.map((outcome) =>
      outcome.ok
        ? { ok: outcome.value }
        : { error: shown(outcome.error, known) }
    ),
    transitions: run.transitions,
    timersLeft: run.timersLeft,
    reported: reported.map((e) => shown(e, known)),
    stats: run.stats,
  };
}

test("Machine property: an inspector that throws, rejects or is slow changes nothing (same histories as property_machine)", async () => {
  let histories = 0;
  await fc.assert(
    fc.asyncProperty(
      specArb,
      fc.array(machineStepArb, { minLength: 1, maxLength: 20 }),
      planArb,
      async (spec, steps, plan) => {
        histories++;
        const plain = await machineHistory(spec, steps, undefined);
        const inspector = planned(plan);
        const inspected = await machineHistory(spec, steps, inspector.inspect);
        await flushMicrotasks(10);
        assert.deepEqual(inspected, plain);
        checkEvents(
          inspector.events,
          (inspected as { stats: ReturnType<Machine<string>["stats"]> }).stats,
        );
        // Each transition a watcher saw was reported as an event too.
        const reported = inspector.events.filter((e) => e.type === "transition")
          .map((e) => e.type === "transition" && [e.from, e.event, e.to]);
        assert.deepEqual(
          reported,
          (plain as {
            transitions: { from: string; event: string; to: string }[];
          })
            .transitions.map((t) => [t.from, t.event, t.to]),
        );
      },
    ),
    { numRuns: RUNS, timeout: 10_000 },
  );
  assert.ok(histories >= RUNS);
});
