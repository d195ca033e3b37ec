import * as restate from "@restatedev/restate-sdk/fetch";
import { describe } from "../core/describe.ts";
import { toWireError } from "../remote/wire_error.ts";

/**
 * Refuses a runtime the SDK cannot serve on: `@restatedev/restate-sdk`
 * 1.17 calls `Promise.withResolvers` (Node 22+, Bun, Deno, workerd); on
 * Node 20 every invocation would fail and be retried for ever. The library
 * does not patch globals.
 *
 * @internal
 */
export function assertServiceRuntime(action: string): void {
  if (
    typeof (Promise as { withResolvers?: unknown }).withResolvers !== "function"
  ) {
    const node = (globalThis as { process?: { version?: string } }).process
      ?.version;
    throw new Error(
      `Cannot ${action}: @restatedev/restate-sdk needs Promise.withResolvers, which this runtime lacks; run the service on Node 22+, Bun, Deno or workerd, received ${
        node === undefined ? "a runtime without it" : `Node ${node}`
      }`,
    );
  }
}

/**
 * An answer, not a failure: ends the invocation for good (Restate does not
 * retry it) and reaches the caller as the same class.
 *
 * @internal
 */
export function terminal(error: unknown): restate.TerminalError {
  const wire = toWireError(error);
  return new restate.TerminalError(wire.message, {
    errorCode: 400,
    metadata: { "warden-error": JSON.stringify(wire) },
  });
}

/**
 * Which thrown errors are answers (terminal): bad input, refused
 * transitions, warden's domain errors and Restate's own `TerminalError`.
 * Anything else is a real failure, and Restate retries it.
 *
 * @internal
 */
export function asAnswer(error: unknown): unknown {
  if (error instanceof restate.TerminalError) return error;
  if (
    error instanceof TypeError || error instanceof RangeError ||
    (error instanceof Error &&
      ["TransitionError", "TimeoutError", "ClosedError", "OverflowError"]
        .includes(error.name))
  ) {
    return terminal(error);
  }
  return error;
}

/** Validates the JSON input a handler received: an object. @internal */
export function inputObject(
  input: unknown,
  action: string,
): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw terminal(
      new TypeError(
        `Cannot ${action}: the input must be a JSON object, received ${
          describe(input)
        }`,
      ),
    );
  }
  return input as Record<string, unknown>;
}
