import type { Clock } from "./clock.ts";
import type { Inspector } from "./inspect.ts";

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
   * How many commands may be queued (accepted, waiting behind the one
   * running, which does not count), like a Go channel's buffer:
   * `highWaterMark: 1` is one command running plus one waiting. Beyond it,
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
   * Time limit for one handler's asynchronous part, in milliseconds, for
   * every command. A handler still pending after it is reported: its
   * command rejects with a `TimeoutError` and `onError` receives the same
   * error. Then the owner **moves on** to the next command: a stuck handler
   * cannot stall the owner (nor `close()` or `abort()`) forever.
   *
   * The owner cannot cancel the handler. It may still be running, and if
   * it touches the state later, it does so alongside the handlers that run
   * after it: the one-at-a-time guarantee is given up for that handler
   * only. Use it as a last line of defence; its result, if it ever comes,
   * is ignored. A synchronous handler cannot be interrupted and is not
   * timed. With the default, `Infinity`, a handler may take as long as it
   * needs and costs nothing extra.
   *
   * The per-command `timeout` differs: it frees the caller, but the owner
   * still waits for the handler before running the next command.
   *
   * @default {Infinity}
   */
  handlerTimeout?: number;
  /**
   * Timers for timeouts. Pass a fake clock in tests.
   *
   * @default {the runtime's setTimeout/clearTimeout}
   */
  clock?: Clock;
  /**
   * Receives errors that have no caller to go to: a malformed chunk written
   * straight to `writable` without a usable `reply`; a handler that ran
   * past `handlerTimeout`.
   *
   * @default {console.error}
   */
  onError?: (error: unknown) => void;
  /**
   * Called with an event at each step of every command: accepted,
   * started, settled, refused, timed out, aborted, stuck (and a Machine's
   * transitions and refused events); see `InspectEvent`. Called
   * synchronously; what it returns is ignored (a promise is not awaited).
   * If it throws, `onError` gets an `InspectorError` and the owner carries
   * on unchanged. Unset, inspection costs nothing.
   *
   * @default {undefined}
   */
  inspect?: Inspector;
  /**
   * Whether events carry the commands' arguments (`accepted.args`) and
   * results (`settled.value`): they may be large, or secret.
   *
   * @default {false}
   */
  inspectValues?: boolean;
}
