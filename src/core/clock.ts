/**
 * The timer functions warden uses for command timeouts and state timeouts.
 * Pass your own (a fake clock) to make time-dependent tests deterministic;
 * give it a `now()` too and inspection events' times follow it.
 *
 * @example A manual clock for tests
 * ```ts
 * import type { Clock } from "@warden/core";
 *
 * const timers = new Map<number, () => void>();
 * let next = 0;
 * const clock: Clock = {
 *   setTimeout: (fn) => { timers.set(++next, fn); return next; },
 *   clearTimeout: (id) => { timers.delete(id as number); },
 * };
 * clock.setTimeout(() => console.log("fired"), 1000);
 * for (const fn of timers.values()) fn(); // "fired", no waiting
 * ```
 */
export interface Clock {
  /** Calls `fn` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer made by `setTimeout`. Unknown handles are ignored. */
  clearTimeout(handle: unknown): void;
  /**
   * The current time in milliseconds, for inspection events and
   * `stats()`. Optional: without it, `performance.now()`.
   */
  now?(): number;
}

/** The runtime's own timers. */
export const systemClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) =>
    clearTimeout(handle as ReturnType<typeof setTimeout>),
};
