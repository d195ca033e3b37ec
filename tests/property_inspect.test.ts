// Property tests: an inspector cannot change an owner's behaviour. Each
// random history (the same generators as tests/property_store.test.ts and
// tests/property_machine.test.ts, copied here so those files stay as they
// are) runs twice, on a fresh owner and fake clock each time: without an
// inspector, then with one that records every event and, by a random plan,
// returns, throws, returns a promise that rejects, or returns a slow
// promise. The two transcripts (every reply, the order handlers ran, what
// watchers saw, the timers left, what reached onError besides
// InspectorErrors) must be equal; the inspected run's events must also
// follow the documented order for every command, and agree with stats().
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type InspectEvent,
  InspectorError,
  Machine,
  type OwnerOptions,
  Store,
} from "../mod.ts";
import { collect, flushMicrotasks, manualClock } from "./_helpers.ts";

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

// ---- Store histories (generators as in property_store.test.ts)

const KEYS = [0, 1, 2, 3];
type UpdateMode = "sync" | "micro" | "clock" | "throw" | "reject";
type Op =
  | { op: "get" | "has" | "delete"; key: number }
  | { op: "set"; key: number; value: number }
  | { op: "update"; key: number; delta: number; mode: UpdateMode; wait: number }
  | { op: "size" | "clear" }
  | { op: "entries"; cancel: boolean }
  | { op: "watch"; key: number };
type Step =
  | { t: "cmd"; handle: number; cmd: Op }
  | { t: "yield"; rounds: number }
  | { t: "advance"; ms: number }
  | { t: "signal"; which: number }
  | { t: "close" }
  | { t: "abort"; reason: boolean };

const key = fc.constantFrom(...KEYS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constantFrom("get" as const, "has" as const, "delete" as const),
    key,
  }),
  fc.record({
    op: fc.constant("set" as const),
    key,
    value: fc.integer({ min: -5, max: 5 }),
  }),
  fc.record({
    op: fc.constant("update" as const),
    key,
    delta: fc.integer({ min: 1, max: 9 }),
    mode: fc.constantFrom<UpdateMode>(
      "sync",
      "micro",
      "clock",
      "throw",
      "reject",
    ),
    wait: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ op: fc.constantFrom("size" as const, "clear" as const) }),
  fc.record({ op: fc.constant("entries" as const), cancel: fc.boolean() }),
  fc.record({ op: fc.constant("watch" as const), key }),
);
const HANDLES = 6;
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.record({
      t: fc.constant("cmd" as const),
      handle: fc.oneof(fc.constant(0), fc.nat(HANDLES - 1)),
      cmd: opArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("yield" as const),
      rounds: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("advance" as const),
      ms: fc.constantFrom(0, 1, 2, 5),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("signal" as const),
      which: fc.nat(1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant({ t: "close" as const }),
      fc.record({ t: fc.constant("abort" as const), reason: fc.boolean() }),
    ),
  },
);
const storeScenarioArb = fc.record({
  initial: fc.array(fc.tuple(key, fc.integer({ min: -5, max: 5 })), {
    maxLength: 3,
  }),
  highWaterMark: fc.constantFrom(1, 2, 4, 1024),
  overflow: fc.constantFrom("wait" as const, "reject" as const),
  handlerTimeout: fc.constantFrom(Infinity, Infinity, 3),
  steps: fc.array(stepArb, { minLength: 4, maxLength: 24 }),
});
type StoreScenario = typeof storeScenarioArb extends fc.Arbitrary<infer T> ? T
  : never;

async function storeHistory(
  scenario: StoreScenario,
  inspect: OwnerOptions["inspect"],
): Promise<unknown> {
  const clock = manualClock();
  const reported: unknown[] = [];
  const store = new Store<number, number>(scenario.initial, {
    clock,
    highWaterMark: scenario.highWaterMark,
    overflow: scenario.overflow,
    handlerTimeout: scenario.handlerTimeout,
    watchBuffer: 100_000,
    inspect,
    onError: (error) => {
      if (!(error instanceof InspectorError)) reported.push(error);
    },
  });
  const controllers = [new AbortController(), new AbortController()];
  const known = new Map<unknown, string>([
    [new Error("signal A"), "signal A"],
    [new Error("signal B"), "signal B"],
    [new Error("already aborted"), "already aborted"],
    [new Error("store aborted"), "store aborted"],
  ]);
  const [reasonA, reasonB, preAborted, abortReason] = [...known.keys()];
  const reasons = [reasonA, reasonB];
  const handles = [
    store,
    store.with({ signal: controllers[0].signal }),
    store.with({ signal: controllers[1].signal, timeout: 3 }),
    store.with({ timeout: 0 }),
    store.with({ timeout: 1 }),
    store.with({ signal: AbortSignal.abort(preAborted) }),
  ];
  const watchers: Promise<unknown>[] = [];
  for (const k of KEYS) {
    watchers.push(collect(store.watch(k)));
    await flushMicrotasks(5);
  }
  const ran: number[] = [];
  const outcomes: unknown[] = [];
  let issued = 0;
  const track = (id: number, p: Promise<unknown>) =>
    p.then(
      (value) => (outcomes[id] = { ok: value }),
      (error) => (outcomes[id] = { error: shown(error, known) }),
    );
  for (const step of scenario.steps) {
    switch (step.t) {
      case "yield":
        await flushMicrotasks(step.rounds);
        break;
      case "advance":
        clock.advance(step.ms);
        break;
      case "signal":
        controllers[step.which].abort(reasons[step.which]);
        break;
      case "close":
        store.close();
        break;
      case "abort":
        store.abort(step.reason ? abortReason : undefined);
        break;
      case "cmd": {
        const id = issued++;
        const cmd = step.cmd;
        const h = handles[step.handle];
        switch (cmd.op) {
          case "get":
            track(id, h.get(cmd.key));
            break;
          case "has":
            track(id, h.has(cmd.key));
            break;
          case "delete":
            track(id, h.delete(cmd.key));
            break;
          case "set":
            track(id, h.set(cmd.key, cmd.value));
            break;
          case "size":
            track(id, h.size());
            break;
          case "clear":
            track(id, h.clear());
            break;
          case "update":
            track(
              id,
              h.update(cmd.key, (v = 0) => {
                ran.push(id);
                switch (cmd.mode) {
                  case "sync":
                    return v + cmd.delta;
                  case "throw":
                    throw new Error(`update ${id} failed`);
                  case "micro":
                    return flushMicrotasks(cmd.wait).then(() => v + cmd.delta);
                  case "clock":
                    return new Promise<number>((resolve) =>
                      clock.setTimeout(() => resolve(v + cmd.delta), cmd.wait)
                    );
                  case "reject":
                    return flushMicrotasks(cmd.wait).then(() =>
                      Promise.reject(new Error(`update ${id} failed`))
                    );
                }
              }),
            );
            break;
          case "entries": {
            const stream = h.entries();
            if (cmd.cancel) {
              stream.cancel().catch(() => {});
              outcomes[id] = "cancelled";
            } else track(id, collect(stream));
            break;
          }
          case "watch":
            track(id, collect(h.watch(cmd.key)));
            break;
        }
      }
    }
  }
  store.close();
  let closed = false;
  store.closed.then(() => (closed = true));
  const seen: unknown[] = [];
  watchers.forEach((p, i) => p.then((v) => (seen[i] = v)));
  for (
    let round = 0;
    !(closed && outcomes.filter((o) => o !== undefined).length === issued &&
      seen.filter(Boolean).length === KEYS.length);
    round++
  ) {
    assert.ok(round < 500, "history did not settle");
    clock.advance(10);
    await flushMicrotasks(10);
  }
  return {
    outcomes,
    ran,
    seen,
    timersLeft: clock.pending(),
    reported: reported.map((e) => shown(e, known)),
    stats: store.stats(),
  };
}

test("Store property: an inspector that throws, rejects or is slow changes nothing (same histories as property_store)", async () => {
  let histories = 0;
  await fc.assert(
    fc.asyncProperty(storeScenarioArb, planArb, async (scenario, plan) => {
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
    }),
    { numRuns: RUNS, timeout: 10_000 },
  );
  assert.ok(histories >= RUNS);
});

// ---- Machine histories (generators as in property_machine.test.ts)

const EVENTS = ["e0", "e1", "e2"] as const;
type Ev = (typeof EVENTS)[number];
type Ctx = { n: number };
type Effect = "none" | "inc" | "throw" | "asyncInc" | "asyncThrow";
interface EdgeSpec {
  target: number;
  limit: number | null;
  action: Effect;
}
interface Spec {
  table: (EdgeSpec | null)[][];
  initial: number;
}
type Cmd =
  | { op: "send"; event: Ev; handle: number }
  | { op: "can"; event: Ev }
  | { op: "state" }
  | { op: "snapshot" };
type MStep =
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
const mStepArb: fc.Arbitrary<MStep> = fc.oneof(
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
        ctx.n += 100;
        throw new Error("action failed");
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
        throw new Error("async action failed");
      };
  }
}

async function machineHistory(
  spec: Spec,
  steps: MStep[],
  inspect: OwnerOptions["inspect"],
): Promise<unknown> {
  const clock = manualClock();
  const reported: unknown[] = [];
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
  const machine = new Machine(
    { initial: `s${spec.initial}`, context: { n: 0 }, states } as never,
    {
      clock,
      inspect,
      onError: (error) => {
        if (!(error instanceof InspectorError)) reported.push(error);
      },
    },
  ) as unknown as Machine<string, Ev, Ctx>;
  const controller = new AbortController();
  const known = new Map<unknown, string>([[new Error("signal"), "signal"]]);
  const [signalReason] = [...known.keys()];
  const handles = [
    machine,
    machine.with({ signal: controller.signal }),
    machine.with({ timeout: 0 }),
    machine.with({ timeout: 1 }),
  ];
  const transitions = collect(machine.watch());
  await flushMicrotasks(3);
  const outcomes: unknown[] = [];
  let issued = 0;
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
        const id = issued++;
        const cmd = step.cmd;
        const reply: Promise<unknown> = cmd.op === "send"
          ? handles[cmd.handle].send(cmd.event)
          : cmd.op === "can"
          ? machine.can(cmd.event)
          : cmd.op === "state"
          ? machine.state()
          : machine.snapshot();
        reply.then(
          (value) => (outcomes[id] = { ok: value }),
          (error) => (outcomes[id] = { error: shown(error, known) }),
        );
      }
    }
  }
  machine.close();
  let closed = false;
  machine.closed.then(() => (closed = true));
  for (
    let round = 0;
    !(closed && outcomes.filter((o) => o !== undefined).length === issued);
    round++
  ) {
    assert.ok(round < 200, "history did not settle");
    clock.advance(10);
    await flushMicrotasks(10);
  }
  return {
    outcomes,
    transitions: await transitions,
    timersLeft: clock.pending(),
    reported: reported.map((e) => shown(e, known)),
    stats: machine.stats(),
  };
}

test("Machine property: an inspector that throws, rejects or is slow changes nothing (same histories as property_machine)", async () => {
  let histories = 0;
  await fc.assert(
    fc.asyncProperty(
      specArb,
      fc.array(mStepArb, { minLength: 1, maxLength: 20 }),
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
