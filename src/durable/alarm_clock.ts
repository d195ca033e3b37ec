// A Clock for a hosted Machine whose timers are deadlines kept with the
// machine's snapshot and run by the object's one alarm. Internal.
//
// The hosted machine uses its clock only for its state timeouts (the host
// never gives its commands a timeout), so every setTimeout here is one
// `after` entry of the state just entered. Nothing fires by itself: the
// host's alarm handler calls `due()` and runs what it returns.
import type { Clock } from "../core/clock.ts";

/** A pending state timeout as stored beside the snapshot. */
export interface StoredDeadline {
  /** The `after` entry's milliseconds (which entry of the state). */
  ms: number;
  /** When it is due, in epoch milliseconds. */
  due: number;
}

interface Deadline extends StoredDeadline {
  fn: () => void;
}

export class AlarmClock implements Clock {
  readonly #now: () => number;
  readonly #deadlines = new Map<number, Deadline>();
  #next = 0;
  /** Deadlines loaded from storage, waiting for the restored state to arm. */
  #restored: StoredDeadline[];
  /** Changed since the last `stored()`: the host must save. */
  dirty = false;

  constructor(restored: readonly StoredDeadline[], now: () => number) {
    this.#restored = [...restored];
    this.#now = now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    // The restored state arms again on wake: it keeps its stored deadline,
    // not a fresh one from now.
    const i = this.#restored.findIndex((r) => r.ms === ms);
    const due = i >= 0 ? this.#restored.splice(i, 1)[0]!.due : this.#now() + ms;
    if (i < 0) this.dirty = true;
    const id = ++this.#next;
    this.#deadlines.set(id, { ms, due, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    // Leaving the restored state: what it stored no longer applies.
    if (this.#restored.length > 0) {
      this.#restored = [];
      this.dirty = true;
    }
    if (typeof handle === "number" && this.#deadlines.delete(handle)) {
      this.dirty = true;
    }
  }

  /**
   * The restored state has armed (or has nothing to arm): stored
   * deadlines it did not claim belong to no timer (a config changed).
   */
  settle(): void {
    if (this.#restored.length === 0) return;
    this.#restored = [];
    this.dirty = true;
  }

  /** What to store with the snapshot: every pending deadline. */
  stored(): StoredDeadline[] {
    this.dirty = false;
    const all: StoredDeadline[] = [...this.#restored];
    for (const { ms, due } of this.#deadlines.values()) all.push({ ms, due });
    return all;
  }

  /** The earliest pending deadline, or `undefined`. */
  earliest(): number | undefined {
    let min: number | undefined;
    for (const { due } of this.#deadlines.values()) {
      if (min === undefined || due < min) min = due;
    }
    for (const { due } of this.#restored) {
      if (min === undefined || due < min) min = due;
    }
    return min;
  }

  /** Takes out the deadlines due by `now`, earliest first. */
  due(now: number): (() => void)[] {
    const due = [...this.#deadlines].filter(([, d]) => d.due <= now)
      .sort(([, a], [, b]) => a.due - b.due);
    for (const [id] of due) this.#deadlines.delete(id);
    if (due.length > 0) this.dirty = true;
    return due.map(([, d]) => d.fn);
  }
}
