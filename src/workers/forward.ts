import { canCross, END, FAIL, ITEMS, notCloneable, toWire } from "./wire.ts";
import type { Channel } from "./serve_channel.ts";

/** Items per `ITEMS` message, at most. */
const ITEMS_PER_MESSAGE = 256;

/**
 * A streamed reply on its way to a client: at most as many items as the
 * client's reader has room for (its credit); then it waits, and the source
 * waits with it (a snapshot holds, a watcher's bounded buffer fills).
 *
 * @internal
 */
export class Forward {
  readonly #channel: Channel;
  readonly #id: number;
  readonly #op: string;
  #credit: number;
  #items: unknown[] = [];
  #scheduled = false;
  #wake: (() => void) | undefined = undefined;
  #controller: WritableStreamDefaultController | undefined = undefined;
  #reader: ReadableStreamDefaultReader<unknown> | undefined = undefined;
  #live = false;
  #later: ReturnType<typeof setTimeout> | undefined = undefined;
  #over = false;
  readonly writable: WritableStream<unknown>;

  constructor(channel: Channel, id: number, op: string, credit: number) {
    this.#channel = channel;
    this.#id = id;
    this.#op = op;
    this.#credit = credit;
    this.writable = new WritableStream<unknown>({
      start: (controller) => {
        this.#controller = controller;
      },
      write: (item) => this.#push(item),
      close: () => this.#end(),
      abort: (reason) => this.reject(reason),
    });
  }

  /**
   * Reads a live source (a watch stream) into this forward, only while the
   * client has room. Its error is sent at once, even while waiting for room
   * (a watcher that fell behind overflows on the owner's side).
   */
  async pump(readable: ReadableStream<unknown>): Promise<void> {
    const reader = readable.getReader();
    this.#reader = reader;
    this.#live = true;
    reader.closed.catch((error) => this.reject(error));
    try {
      for (;;) {
        if (this.#credit <= 0) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
        if (this.#over) return;
        const { done, value } = await reader.read();
        if (this.#over) return;
        if (done) {
          this.#end();
          return;
        }
        await this.#push(value);
      }
    } catch (error) {
      this.reject(error);
      reader.cancel(error).catch(() => {});
    }
  }

  grant(n: number): void {
    this.#credit += n;
    if (this.#credit > 0) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    }
  }

  /** The client cancelled, or is gone: stop the source. */
  cancel(): void {
    if (this.#over) return;
    this.#over = true;
    this.#items = [];
    this.#flush(); // clears the timer; sends nothing now
    const reason = new DOMException(
      "The client cancelled the stream",
      "AbortError",
    );
    if (this.#reader) this.#reader.cancel(reason).catch(() => {});
    else {
      try {
        this.#controller?.error(reason);
      } catch {
        // Already errored.
      }
    }
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    this.#channel.streamEnded(this.#id);
  }

  /** Fails the stream on the client's side. */
  reject(reason: unknown): void {
    if (this.#over) return;
    this.#flush();
    this.#over = true;
    this.#channel.send({ t: FAIL, id: this.#id, e: toWire(reason) });
    this.#channel.streamEnded(this.#id);
  }

  #push(item: unknown): void | Promise<void> {
    if (this.#over) return;
    if (!canCross(item)) {
      const error = notCloneable(`an item of "${this.#op}"`);
      this.reject(error);
      throw error; // errors the stream: its source is cancelled
    }
    this.#items.push(item);
    this.#credit--;
    if (this.#items.length >= ITEMS_PER_MESSAGE || this.#credit <= 0) {
      this.#flush();
    } else if (!this.#scheduled) {
      // A live source (watch) sends each change at once; a snapshot fills
      // a message (its pipe writes item by item, a microtask apart).
      this.#scheduled = true;
      if (this.#live) queueMicrotask(this.#flush);
      else this.#later = setTimeout(this.#flush, 0);
    }
    if (this.#credit <= 0) {
      return new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#later !== undefined) {
      clearTimeout(this.#later);
      this.#later = undefined;
    }
    if (this.#items.length === 0 || this.#over) return;
    const items = this.#items;
    this.#items = [];
    this.#channel.send({ t: ITEMS, id: this.#id, items });
  };

  #end(): void {
    if (this.#over) return;
    this.#flush();
    this.#over = true;
    this.#channel.send({ t: END, id: this.#id });
    this.#channel.streamEnded(this.#id);
  }
}
