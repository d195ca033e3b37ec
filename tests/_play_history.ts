// How a random history is played, shared by tests/_store_histories.ts and
// tests/_machine_histories.ts: the steps in order, the owner closed right
// after the last one, then the fake clock advanced until everything settled.
// Not a test file (no test() calls; the name keeps it out of every
// runtime's test glob, like tests/_helpers.ts).
import assert from "node:assert/strict";
import { flushMicrotasks, type manualClock } from "./_helpers.ts";

/** A step that lets time pass: microtask rounds, or the fake clock. */
export type TimeStep =
  | { t: "yield"; rounds: number }
  | { t: "advance"; ms: number };

/** A command's reply: resolved with a value or rejected with an error. */
export type Outcome = { ok: true; value: unknown } | {
  ok: false;
  error: unknown;
};

/** What playHistory() does besides letting time pass. */
export interface PlayOptions<S, T> {
  /** Plays any step but a TimeStep (synchronously). */
  step(step: S): void;
  /** Runs at once after the last step: closes the owner. */
  close(): void;
  /** Whether everything the history started has settled. */
  settled(): boolean;
  /** How many settle rounds (10 ms of the clock, then 10 microtask rounds) may pass. */
  rounds: number;
  /** The failure's message when the history did not settle in time. */
  unsettled(): string;
  /** Runs at once when settled; its result is playHistory()'s. */
  end(): T;
}

function isTimeStep(step: { t: string }): step is TimeStep {
  return step.t === "yield" || step.t === "advance";
}

/**
 * Plays `steps`: a "yield" awaits its microtask rounds, an "advance" moves
 * the clock at once, every other step goes to `options.step`. Then closes
 * the owner and advances the clock until `options.settled()`.
 */
export async function playHistory<S extends { t: string }, T>(
  steps: readonly (TimeStep | S)[],
  clock: ReturnType<typeof manualClock>,
  options: PlayOptions<S, T>,
): Promise<T> {
  for (const step of steps) {
    if (!isTimeStep(step)) options.step(step);
    else if (step.t === "yield") await flushMicrotasks(step.rounds);
    else clock.advance(step.ms);
  }
  options.close();
  for (let round = 0; !options.settled(); round++) {
    assert.ok(round < options.rounds, options.unsettled());
    clock.advance(10);
    await flushMicrotasks(10);
  }
  return options.end();
}
