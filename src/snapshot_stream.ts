/** Items handed to the reader per `pull()`: amortizes the stream's cost. */
const CHUNK = 1024;

/**
 * The readable side of a streamed reply. The owner takes the snapshot in its
 * turn (`deliver`); the stream then serves it at the reader's pace, so a slow
 * reader never holds up the owner. Memory is the snapshot itself plus at
 * most two chunks in the stream's queue.
 *
 * @internal
 */
export class SnapshotSource<T> implements UnderlyingDefaultSource<T> {
  #items: readonly T[] | undefined = undefined;
  #index = 0;
  #failed = false;
  #cancelled = false;
  #controller!: ReadableStreamDefaultController<T>;
  #wake: (() => void) | undefined = undefined;
  /** Called once if the reader cancels. */
  onCancel: (() => void) | undefined = undefined;

  /** A new stream over this source. */
  static stream<T>(): { source: SnapshotSource<T>; readable: ReadableStream<T> } {
    const source = new SnapshotSource<T>();
    const readable = new ReadableStream<T>(
      source,
      new CountQueuingStrategy({ highWaterMark: CHUNK }),
    );
    return { source, readable };
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  start(controller: ReadableStreamDefaultController<T>): void {
    this.#controller = controller;
  }

  pull(): Promise<void> | void {
    if (this.#failed || this.#cancelled) return;
    if (this.#items === undefined) {
      return new Promise<void>((resolve) => (this.#wake = resolve)).then(() =>
        this.pull()
      );
    }
    const items = this.#items;
    const end = Math.min(items.length, this.#index + CHUNK);
    for (let i = this.#index; i < end; i++) this.#controller.enqueue(items[i]);
    this.#index = end;
    if (end === items.length) {
      this.#items = [];
      this.#controller.close();
    }
  }

  cancel(): void {
    this.#cancelled = true;
    this.#items = undefined;
    this.#wake?.();
    this.onCancel?.();
  }

  /** The snapshot, taken in the owner's turn. */
  deliver(items: readonly T[]): void {
    if (this.#cancelled || this.#failed || this.#items !== undefined) return;
    this.#items = items;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** The command failed: the reader sees the error. */
  fail(reason: unknown): void {
    if (this.#cancelled || this.#failed || this.#items !== undefined) return;
    this.#failed = true;
    this.#controller.error(reason);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
