import { systemClock } from "./clock.ts";
import type { Clock } from "./clock.ts";
import { describe } from "./describe.ts";
import type { Inspector } from "./inspect.ts";
import type { OwnerOptions } from "./options.ts";
import { optionalSignal, positiveInteger, timeoutValue } from "./validate.ts";

/** {@linkcode OwnerOptions}, checked and with their defaults. @internal */
export interface Settings {
  readonly highWaterMark: number;
  readonly rejectOverflow: boolean;
  readonly timeout: number;
  readonly handlerTimeout: number;
  readonly clock: Clock;
  readonly onError: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly inspect: Inspector | undefined;
  readonly inspectValues: boolean;
  /** The clock's `now()`, or `performance.now()`. */
  readonly time: () => number;
}

/**
 * Checks an owner's options and fills in the defaults; throws a `TypeError`
 * or `RangeError` naming the first wrong one.
 *
 * @internal
 */
export function settings(options: OwnerOptions, kind: string): Settings {
  const action = `create ${kind}`;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: options must be an object, received ${
        describe(options)
      }`,
    );
  }
  const {
    highWaterMark = 1024,
    overflow = "wait",
    signal,
    timeout = Infinity,
    handlerTimeout = Infinity,
    clock = systemClock,
    onError = (error: unknown) => console.error(error),
    inspect,
    inspectValues = false,
  } = options;
  const mark = highWaterMark === Infinity
    ? Infinity
    : positiveInteger(highWaterMark, "highWaterMark", action);
  if (overflow !== "wait" && overflow !== "reject") {
    throw new TypeError(
      `Cannot ${action}: overflow must be "wait" or "reject", received ${
        describe(overflow)
      }`,
    );
  }
  const limit = timeoutValue(timeout, action);
  const handlerLimit = timeoutValue(handlerTimeout, action, "handlerTimeout");
  if (
    typeof clock !== "object" || clock === null ||
    typeof clock.setTimeout !== "function" ||
    typeof clock.clearTimeout !== "function"
  ) {
    throw new TypeError(
      `Cannot ${action}: clock must have setTimeout and clearTimeout, received ${
        describe(clock)
      }`,
    );
  }
  if (typeof onError !== "function") {
    throw new TypeError(
      `Cannot ${action}: onError must be a function, received ${
        describe(onError)
      }`,
    );
  }
  if (inspect !== undefined && typeof inspect !== "function") {
    throw new TypeError(
      `Cannot ${action}: inspect must be a function, received ${
        describe(inspect)
      }`,
    );
  }
  if (typeof inspectValues !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: inspectValues must be a boolean, received ${
        describe(inspectValues)
      }`,
    );
  }
  const now = (clock as { now?: unknown }).now;
  if (now !== undefined && typeof now !== "function") {
    throw new TypeError(
      `Cannot ${action}: clock.now must be a function, received ${
        describe(now)
      }`,
    );
  }
  optionalSignal(signal, action);
  return {
    highWaterMark: mark,
    rejectOverflow: overflow === "reject",
    timeout: limit,
    handlerTimeout: handlerLimit,
    clock,
    onError,
    signal,
    inspect,
    inspectValues,
    // `performance` read once: on Node 20 the global is a lazy getter,
    // costly on every read.
    time: now === undefined ? performanceNow() : () => clock.now!(),
  };
}

/** `performance.now`, with `performance` looked up once. */
function performanceNow(): () => number {
  const perf = performance;
  return () => perf.now();
}
