// Random concurrent histories of Store commands from many callers: the
// generators and the runner shared by tests/property_store.test.ts (checked
// against a sequential Map model) and tests/property_inspect.test.ts (run
// twice, with and without an inspector). Not a test file: it has no test()
// calls, and its name (a leading `_`, no `.test.`/`_test.`) keeps it out of
// Node's `tests/*.test.ts`, `deno test tests/` and `bun test ./tests`.
import fc from "fast-check";
import { Store, type StoreOptions } from "../mod.ts";
import { collect, flushMicrotasks, manualClock } from "./_helpers.ts";
import { type Outcome, playHistory, type TimeStep } from "./_play_history.ts";

export type { Outcome };

/** The keys a history uses; a watcher on each starts before the steps. */
export const KEYS: number[] = [0, 1, 2, 3];

/** How an `update` function behaves when the owner calls it. */
export type UpdateMode = "sync" | "micro" | "clock" | "throw" | "reject";

/** One Store command. */
export type StoreOp =
  | { op: "get" | "has" | "delete"; key: number }
  | { op: "set"; key: number; value: number }
  | { op: "update"; key: number; delta: number; mode: UpdateMode; wait: number }
  | { op: "size" | "clear" }
  | { op: "entries"; cancel: boolean }
  | { op: "watch"; key: number };

/** One step of a history: a command from one of the handles, or an event. */
export type StoreStep =
  | { t: "cmd"; handle: number; cmd: StoreOp }
  | TimeStep
  | { t: "signal"; which: number }
  | { t: "close" }
  | { t: "abort"; reason: boolean };

/** A history: the store's initial entries and options, then the steps. */
export interface StoreScenario {
  initial: [number, number][];
  highWaterMark: number;
  overflow: "wait" | "reject";
  /** Unset: the store's default. */
  handlerTimeout?: number;
  steps: StoreStep[];
}

/** One of KEYS. */
export const keyArb: fc.Arbitrary<number> = fc.constantFrom(...KEYS);
const opArb: fc.Arbitrary<StoreOp> = fc.oneof(
  fc.record({
    op: fc.constantFrom("get" as const, "has" as const, "delete" as const),
    key: keyArb,
  }),
  fc.record({
    op: fc.constant("set" as const),
    key: keyArb,
    value: fc.integer({ min: -5, max: 5 }),
  }),
  fc.record({
    op: fc.constant("update" as const),
    key: keyArb,
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
  fc.record({ op: fc.constant("watch" as const), key: keyArb }),
);
const HANDLES = 6; // plain, signal A, signal B + timeout 3, timeout 0, timeout 1, already aborted
const stepArb: fc.Arbitrary<StoreStep> = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.record({
      t: fc.constant("cmd" as const),
      // Half the commands from the plain handle, half with signals/timeouts.
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
    weight: 1, // rare: everything after it is refused
    arbitrary: fc.oneof(
      fc.constant({ t: "close" as const }),
      fc.record({ t: fc.constant("abort" as const), reason: fc.boolean() }),
    ),
  },
);

/**
 * Random histories. With `handlerTimeouts`, each history also picks a
 * `handlerTimeout` from them (drawn after `overflow`, before the steps).
 */
export function storeScenarioArb(
  options: { handlerTimeouts?: number[] } = {},
): fc.Arbitrary<StoreScenario> {
  const initial = fc.array(fc.tuple(keyArb, fc.integer({ min: -5, max: 5 })), {
    maxLength: 3,
  });
  const highWaterMark = fc.constantFrom(1, 2, 4, 1024);
  const overflow = fc.constantFrom("wait" as const, "reject" as const);
  const steps = fc.array(stepArb, { minLength: 4, maxLength: 24 });
  const { handlerTimeouts } = options;
  return handlerTimeouts === undefined
    ? fc.record({ initial, highWaterMark, overflow, steps })
    : fc.record({
      initial,
      highWaterMark,
      overflow,
      handlerTimeout: fc.constantFrom(...handlerTimeouts),
      steps,
    });
}

/** What a failing update (mode "throw" or "reject") fails with. */
export class Thrown extends Error {
  constructor(readonly id: number) {
    super(`update ${id} failed on purpose`);
  }
}

/** What one history left, read after the store closed and all settled. */
export interface StoreRun {
  /** The commands in issue order; `id` is the index. */
  cmds: { id: number; cmd: StoreOp }[];
  /** Each command's outcome, by id (a cancelled `entries` is "cancelled"). */
  outcomes: Map<number, Outcome>;
  /** How many times each command settled. */
  settleCount: Map<number, number>;
  /** Update ids, in the order the owner ran their functions. */
  ran: number[];
  /** Per key of KEYS: every value its watcher (started first) saw. */
  watched: (number | undefined)[][];
  /** The abort reasons of the two signals (handles 1 and 2). */
  reasons: [Error, Error];
  /** The reason of handle 5's signal, aborted before any command. */
  preAborted: Error;
  /** The reason a step `{ t: "abort", reason: true }` aborts the store with. */
  abortReason: Error;
  /** The fake clock's timers left once all settled. */
  timersLeft: number;
  /** store.stats() once all settled. */
  stats: ReturnType<Store<number, number>["stats"]>;
}

/**
 * Runs a history on a fresh store and fake clock, then closes the store and
 * advances the clock until every command settled and every watcher ended.
 * `options` are added to the store's (an inspector, an onError).
 */
export async function runStoreHistory(
  scenario: StoreScenario,
  options: Pick<StoreOptions, "inspect" | "onError"> = {},
): Promise<StoreRun> {
  const clock = manualClock();
  const store = new Store<number, number>(scenario.initial, {
    clock,
    highWaterMark: scenario.highWaterMark,
    overflow: scenario.overflow,
    ...(scenario.handlerTimeout === undefined
      ? {}
      : { handlerTimeout: scenario.handlerTimeout }),
    watchBuffer: 100_000,
    ...options,
  });
  const controllers = [new AbortController(), new AbortController()];
  const reasons: [Error, Error] = [
    new Error("signal A"),
    new Error("signal B"),
  ];
  const preAborted = new Error("already aborted");
  const abortReason = new Error("store aborted");
  const handles = [
    store,
    store.with({ signal: controllers[0].signal }),
    store.with({ signal: controllers[1].signal, timeout: 3 }),
    store.with({ timeout: 0 }),
    store.with({ timeout: 1 }),
    store.with({ signal: AbortSignal.abort(preAborted) }),
  ];
  // Watchers on every key from the start: they see every change, and their
  // last value is the final state, readable after close().
  const initialWatchers: Promise<(number | undefined)[]>[] = [];
  for (const k of KEYS) {
    initialWatchers.push(collect(store.watch(k)));
    await flushMicrotasks(5); // subscribed before the next, even at highWaterMark 1
  }

  const ran: number[] = []; // update ids, in the order the owner ran them
  const outcomes = new Map<number, Outcome>();
  const cmds: { id: number; cmd: StoreOp }[] = [];
  const settleCount = new Map<number, number>();
  const record = (id: number, outcome: Outcome) => {
    settleCount.set(id, (settleCount.get(id) ?? 0) + 1);
    outcomes.set(id, outcome);
  };
  const track = (id: number, p: Promise<unknown>) =>
    p.then(
      (value) => record(id, { ok: true, value }),
      (error) => record(id, { ok: false, error }),
    );

  let closed = false;
  const watched: (number | undefined)[][] = [];
  return await playHistory(scenario.steps, clock, {
    step(step) {
      switch (step.t) {
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
          const id = cmds.length;
          const cmd = step.cmd;
          cmds.push({ id, cmd });
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
                      throw new Thrown(id);
                    case "micro":
                      return flushMicrotasks(cmd.wait).then(() =>
                        v + cmd.delta
                      );
                    case "clock":
                      return new Promise<number>((resolve) =>
                        clock.setTimeout(() => resolve(v + cmd.delta), cmd.wait)
                      );
                    case "reject":
                      return flushMicrotasks(cmd.wait).then(() =>
                        Promise.reject(new Thrown(id))
                      );
                  }
                }),
              );
              break;
            case "entries": {
              const stream = h.entries();
              if (cmd.cancel) {
                stream.cancel().catch(() => {}); // rejects if the command already failed
                record(id, { ok: false, error: "cancelled" });
              } else track(id, collect(stream));
              break;
            }
            case "watch":
              track(id, collect(h.watch(cmd.key)));
              break;
          }
        }
      }
    },
    close() {
      store.close();
      store.closed.then(() => (closed = true));
      initialWatchers.forEach((p, i) => p.then((v) => (watched[i] = v)));
    },
    settled: () =>
      closed && outcomes.size === cmds.length &&
      watched.filter(Boolean).length === KEYS.length,
    rounds: 500,
    unsettled: () =>
      `history did not settle: ${outcomes.size}/${cmds.length} settled, closed=${closed}`,
    end: () => ({
      cmds,
      outcomes,
      settleCount,
      ran,
      watched,
      reasons,
      preAborted,
      abortReason,
      timersLeft: clock.pending(),
      stats: store.stats(),
    }),
  });
}
