import type { CommandOptions } from "./command.ts";
import { describe } from "./describe.ts";
import { optionalSignal, timeoutValue } from "./validate.ts";

/**
 * Validates `with()` options and merges them over a handle's defaults:
 * the later timeout wins; two signals both apply.
 *
 * @internal
 */
export function mergeCommandOptions(
  base: CommandOptions | undefined,
  next: CommandOptions,
  action: string,
): CommandOptions {
  if (typeof next !== "object" || next === null) {
    throw new TypeError(
      `Cannot call ${action}: options must be an object, received ${
        describe(next)
      }`,
    );
  }
  const signal = optionalSignal(next.signal, `call ${action}`);
  const timeout = next.timeout === undefined
    ? base?.timeout
    : timeoutValue(next.timeout, `call ${action}`);
  let merged = signal ?? base?.signal;
  if (signal && base?.signal && signal !== base.signal) {
    merged = AbortSignal.any([base.signal, signal]);
  }
  return { signal: merged, timeout };
}
