/**
 * A FIFO queue over a growable ring buffer: O(1) push and shift, unlike
 * `Array.prototype.shift`, which is O(n) on large arrays.
 *
 * @internal
 */
export class Deque<T> {
  #items: (T | undefined)[] = new Array(16);
  #head = 0;
  #length = 0;

  /** Number of items queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends an item at the back. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  /** Removes and returns the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined; // let it be collected
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    return item;
  }

  /** Removes and returns every item, front first. */
  drain(): T[] {
    const out: T[] = new Array(this.#length);
    for (let i = 0; i < out.length; i++) out[i] = this.shift() as T;
    return out;
  }

  #grow(): void {
    // Capacity stays a power of two so the index mask works.
    const old = this.#items;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#length; i++) {
      next[i] = old[(this.#head + i) & (old.length - 1)];
    }
    this.#items = next;
    this.#head = 0;
  }
}
