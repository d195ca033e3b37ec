import { describe } from "./describe.ts";

/**
 * @internal Throws a TypeError unless `value` is a number, a RangeError
 * unless it is a positive integer.
 */
export function positiveInteger(
  value: unknown,
  what: string,
  action: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new (typeof value === "number" ? RangeError : TypeError)(
      `Cannot ${action}: ${what} must be a positive integer, received ${
        describe(value)
      }`,
    );
  }
  return value;
}

/**
 * @internal Throws a TypeError unless `value` is a number, a RangeError
 * unless it is a non-negative number or Infinity.
 */
export function timeoutValue(
  value: unknown,
  action: string,
  what = "timeout",
): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new (typeof value === "number" ? RangeError : TypeError)(
      `Cannot ${action}: ${what} must be a non-negative number of milliseconds, received ${
        describe(value)
      }`,
    );
  }
  return value;
}

/** @internal Throws a TypeError unless `value` is an AbortSignal or undefined. */
export function optionalSignal(
  value: unknown,
  action: string,
): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new TypeError(
    `Cannot ${action}: signal must be an AbortSignal, received ${
      describe(value)
    }`,
  );
}
