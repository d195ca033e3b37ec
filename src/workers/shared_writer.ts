import type { Envelope } from "../core/command.ts";
import type { Servable } from "./serve.ts";

/**
 * The one writer of a served target's `writable`, shared by every
 * `serve()` of it, and whether a write made now reaches the target's sink
 * synchronously (nothing queued or in flight in the stream): what
 * `ServeOptions.enter` needs, so that the target takes a carried command in
 * (and fires its `accepted` inspection event) inside `enter`.
 *
 * @internal
 */
export class SharedWriter {
  readonly writer: WritableStreamDefaultWriter<Envelope>;
  /** `desiredSize` of the idle stream: its high-water mark. */
  readonly #idleSize: number | null;
  /** The last write: writes settle in order, so it settles last. */
  #last: Promise<void> | undefined = undefined;

  constructor(writer: WritableStreamDefaultWriter<Envelope>) {
    this.writer = writer;
    this.#idleSize = writer.desiredSize;
  }

  /** The writer of `target`, taken on first use. */
  static of(target: Servable): SharedWriter {
    let shared = all.get(target);
    if (shared === undefined) {
      const writer = target.writable.getWriter();
      writer.closed.catch(() => {});
      shared = new SharedWriter(writer);
      all.set(target, shared);
    }
    return shared;
  }

  /** Whether `target`'s writable is locked by a `serve()`. */
  static has(target: Servable): boolean {
    return all.has(target);
  }

  /** Writes; may throw synchronously (Node 20, on a closed stream). */
  write(envelope: Envelope): Promise<void> {
    return this.#last = this.writer.write(envelope);
  }

  /** Whether a write now reaches the sink at once. */
  get idle(): boolean {
    const size = this.writer.desiredSize;
    return size === this.#idleSize || size === null;
  }

  /**
   * Calls `fn` synchronously once the stream is idle (now, if it is), in
   * the reaction to the last write's settling; also once no further write
   * came and the stream still is not idle (closing), so `fn` always runs.
   */
  whenIdle(fn: () => void): void {
    if (this.idle || this.#last === undefined) {
      fn();
      return;
    }
    let seen = this.#last;
    const check = (): void => {
      if (this.idle || this.#last === seen || this.#last === undefined) fn();
      else {
        seen = this.#last;
        seen.then(check, check);
      }
    };
    seen.then(check, check);
  }
}

// One writer per target, shared by every serve() of it.
const all = new WeakMap<Servable, SharedWriter>();
