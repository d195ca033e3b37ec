import type { Command } from "./command.ts";

/** Runs one command against the owned state; may return a promise. @internal */
export type Dispatch = (command: Command) => unknown;

/** A handler as an `Owner` keeps it: the state, then the arguments. @internal */
export type StateHandler<S> = (state: S, ...args: unknown[]) => unknown;

/**
 * Calls `handler(state, ...args)`, with direct calls for the common
 * arities: no spread on the hot path.
 *
 * @internal
 */
export function applyHandler<S>(
  handler: StateHandler<S>,
  state: S,
  args: readonly unknown[],
): unknown {
  switch (args.length) {
    case 0:
      return handler(state);
    case 1:
      return handler(state, args[0]);
    case 2:
      return handler(state, args[0], args[1]);
    default:
      return handler(state, ...args);
  }
}
