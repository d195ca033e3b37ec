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
    merged = anySignal(base.signal, signal);
  }
  return { signal: merged, timeout };
}

/** `AbortSignal.any([a, b])`, also where it is missing (Vercel edge-runtime). */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === "function") return AbortSignal.any([a, b]);
  const controller = new AbortController();
  if (a.aborted) controller.abort(a.reason);
  else if (b.aborted) controller.abort(b.reason);
  else {
    const options = { once: true, signal: controller.signal };
    a.addEventListener("abort", () => controller.abort(a.reason), options);
    b.addEventListener("abort", () => controller.abort(b.reason), options);
  }
  return controller.signal;
}
