import { OverflowError } from "./errors.ts";

/**
 * A live subscription (a watcher): the owner pushes values in its turn;
 * the reader takes them at its pace from a bounded buffer. A reader that
 * falls more than `buffer` values behind gets an `OverflowError` on its
 * stream and is unsubscribed: never silent loss, never unbounded memory,
 * never a blocked owner.
 *
 * @internal
 */
export class LiveSource<T> implements UnderlyingDefaultSource<T> {
  #controller!: ReadableStreamDefaultController<T>;
  #open = true;
  readonly #buffer: number;
  /** Called once when the subscription ends, for any reason. */
  onEnd: (() => void) | undefined = undefined;
  /** Stops listening to the signal the watch follows, if any. */
  #unfollow: (() => void) | undefined = undefined;

  constructor(buffer: number) {
    this.#buffer = buffer;
  }

  /** A new stream over a new source. */
  static stream<T>(
    buffer: number,
  ): { source: LiveSource<T>; readable: ReadableStream<T> } {
    const source = new LiveSource<T>(buffer);
    const readable = new ReadableStream<T>(
      source,
      // A plain strategy: Vercel edge-runtime has no CountQueuingStrategy.
      { highWaterMark: buffer },
    );
    return { source, readable };
  }

  /**
   * Ends the stream with `signal.reason` when the signal aborts (a watch
   * made through `with({ signal })`); the owner then drops the watcher. An
   * already-aborted signal is left to the watch command, which it refuses.
   */
  follow(signal: AbortSignal | undefined): void {
    if (signal === undefined || signal.aborted) return;
    const onAbort = () => this.error(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    this.#unfollow = () => signal.removeEventListener("abort", onAbort);
  }

  /** Whether the owner should still push to it. */
  get open(): boolean {
    return this.#open;
  }

  start(controller: ReadableStreamDefaultController<T>): void {
    this.#controller = controller;
  }

  cancel(): void {
    this.#end();
  }

  /** Delivers one value; overflows the stream if the reader fell behind. */
  push(value: T): void {
    if (!this.#open) return;
    if ((this.#controller.desiredSize ?? 0) <= 0) {
      this.error(
        new OverflowError(
          `Watcher fell behind: more than ${this.#buffer} unread values; read faster or raise the watchBuffer option`,
          { limit: this.#buffer },
        ),
      );
      return;
    }
    this.#controller.enqueue(value);
  }

  /** Ends the stream cleanly (the owner closed). */
  close(): void {
    if (!this.#open) return;
    this.#end();
    this.#controller.close();
  }

  /** Ends the stream with an error. */
  error(reason: unknown): void {
    if (!this.#open) return;
    this.#end();
    this.#controller.error(reason);
  }

  #end(): void {
    this.#open = false;
    const unfollow = this.#unfollow;
    this.#unfollow = undefined;
    unfollow?.();
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
  }
}
