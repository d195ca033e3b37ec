/**
 * A watch over the network resumed after its socket dropped, and changes
 * to the key were made meanwhile that it cannot replay: the stream errors
 * with this instead of pretending continuity. It carries the current
 * value; watch again to continue from it.
 *
 * @example
 * ```ts
 * import { WatchGapError } from "@warden/core/durable";
 *
 * const error = new WatchGapError("2 changes missed", { missed: 2, version: 7, value: 3 });
 * console.log(error.name, error.missed, error.value); // "WatchGapError" 2 3
 * ```
 */
export class WatchGapError extends Error {
  /** How many changes were missed; `-1` when unknown (storage was reset). */
  readonly missed: number;
  /** The key's version now. */
  readonly version: number;
  /** The key's value now (`undefined`: no entry). */
  readonly value: unknown;

  /**
   * Constructs a new instance.
   *
   * @param message The error message.
   * @param options What was missed, and the value now.
   */
  constructor(
    message: string,
    options: { missed: number; version: number; value?: unknown },
  ) {
    super(message);
    this.name = "WatchGapError";
    this.missed = options.missed;
    this.version = options.version;
    this.value = options.value;
  }
}
