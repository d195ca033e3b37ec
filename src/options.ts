import type { Clock } from "./clock.ts";

/**
 * Options every owner takes: `Owner`, `Store` and `Machine`.
 *
 * @example
 * ```ts
 * import { Owner, type OwnerOptions } from "@warden/core";
 *
 * const options: OwnerOptions = { highWaterMark: 64, overflow: "reject" };
 * const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, options);
 * await owner.ask("inc");
 * await owner.close();
 * ```
 */
export interface OwnerOptions {
  /**
   * How many commands may be queued (accepted, not yet run). Beyond it,
   * `overflow` decides.
   *
   * @default {1024}
   */
  highWaterMark?: number;
  /**
   * When the queue is full: `"wait"` holds the command until there is room
   * (backpressure: the caller's promise just takes longer); `"reject"`
   * refuses it at once with an `OverflowError`.
   *
   * @default {"wait"}
   */
  overflow?: "wait" | "reject";
  /** Aborts the whole owner, as `abort(signal.reason)`. */
  signal?: AbortSignal;
  /**
   * Default time limit for every command, in milliseconds; `with()` can
   * override it per command.
   *
   * @default {Infinity}
   */
  timeout?: number;
  /**
   * Timers for timeouts. Pass a fake clock in tests.
   *
   * @default {the runtime's setTimeout/clearTimeout}
   */
  clock?: Clock;
  /**
   * Receives errors that have no caller to go to: a malformed chunk written
   * straight to `writable` without a usable `reply`.
   *
   * @default {console.error}
   */
  onError?: (error: unknown) => void;
}
