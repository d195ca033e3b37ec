import { CREDIT } from "./wire.ts";
import type { Connection } from "./connection.ts";

/**
 * A streamed reply arriving: a reader-paced stream granting credit.
 *
 * @internal
 */
export class Incoming {
  readonly #connection: Connection;
  readonly #id: number;
  readonly #readAhead: number;
  #controller!: ReadableStreamDefaultController<unknown>;
  /** Credit granted that items have not used yet. */
  #outstanding: number;
  #over = false;
  op = "stream";
  onEnd: (() => void) | undefined = undefined;
  /** Called at the first message from the serving side. */
  onStart: (() => void) | undefined = undefined;
  #started = false;
  readonly readable: ReadableStream<unknown>;

  constructor(connection: Connection, id: number, readAhead: number) {
    this.#connection = connection;
    this.#id = id;
    this.#readAhead = readAhead;
    this.#outstanding = readAhead;
    this.readable = new ReadableStream<unknown>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => this.#pull(),
      cancel: () => {
        this.#finish();
        this.#connection.cancel(this.#id);
      },
    }, new CountQueuingStrategy({ highWaterMark: readAhead }));
  }

  push(items: unknown[]): void {
    if (this.#over) return;
    this.#start();
    this.#outstanding -= items.length;
    for (let i = 0; i < items.length; i++) this.#controller.enqueue(items[i]);
  }

  end(): void {
    if (this.#over) return;
    this.#finish();
    this.#controller.close();
  }

  fail(reason: unknown): void {
    if (this.#over) return;
    this.#finish();
    this.#controller.error(reason);
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    const onStart = this.onStart;
    this.onStart = undefined;
    onStart?.();
  }

  #finish(): void {
    this.#started = true;
    this.onStart = undefined;
    this.#over = true;
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
  }

  #pull(): void {
    if (this.#over) return;
    const room = (this.#controller.desiredSize ?? 0) - this.#outstanding;
    if (room >= Math.max(1, this.#readAhead >> 1)) {
      this.#outstanding += room;
      this.#connection.send({ t: CREDIT, id: this.#id, n: room });
    }
  }
}
