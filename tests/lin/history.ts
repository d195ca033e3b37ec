// Recording histories for the linearizability checker (tests/lin/checker.ts).
//
// A history is a list of operations, each with the client that issued it,
// the time it was invoked, the time its response was seen, its input and its
// output. `History.record(client, input, fn)` wraps one real call: it reads
// the clock, runs `fn`, reads the clock again when `fn` settles, and keeps
// the operation. A call that rejects is, by default, a call with no response:
// it may or may not have taken effect (a crashed server, a dropped
// connection), so it is kept with `response: Infinity` and no output, the way
// Porcupine and Knossos treat an indeterminate (":info") operation. An
// `outcome` function can turn a rejection that is a definite result of the
// operation (a `TransitionError` from `Machine.send()`) into an output.
//
// The clock only has to be monotonic and shared by every client whose calls
// are compared: the checker uses nothing but the order of the times.
// `monotonicClock()` is `performance.now()` made strictly increasing;
// `sharedClock()` is an atomic counter in a `SharedArrayBuffer`, one total
// order of events across worker threads (their `performance.now()` have
// different origins).

/** One operation of a history. */
export interface Operation<I, O> {
  /** Who issued it: operations of one client never overlap in a real run. */
  client: number | string;
  /** The operation and its arguments, as the model reads them. */
  input: I;
  /** What the caller saw; meaningless when `response` is `Infinity`. */
  output?: O;
  /** The clock when the call was made. */
  invocation: number;
  /** The clock when the response was seen; `Infinity` for none. */
  response: number;
}

/** What a rejected call means: a definite output, or "no response". */
export type Outcome<O> = { output: O } | "unknown";

/** Options of {@linkcode History}. */
export interface HistoryOptions {
  /** The clock of invocations and responses. @default {monotonicClock()} */
  clock?: () => number;
}

/** Options of {@linkcode History.record}. */
export interface RecordOptions<O> {
  /**
   * What a rejection of the call means. @default {every rejection is
   * "unknown": possibly applied, no response}
   */
  outcome?: (error: unknown) => Outcome<O>;
}

/** A strictly increasing clock over `performance.now()`. */
export function monotonicClock(): () => number {
  let last = -Infinity;
  return () => {
    const now = performance.now();
    last = now > last ? now : last + 1e-6;
    return last;
  };
}

/**
 * A clock shared across threads: each reading is `Atomics.add` on slot 0 of
 * `buffer` (a `SharedArrayBuffer` of at least 4 bytes), so every reading in
 * every thread is distinct and they are totally ordered in real time.
 */
export function sharedClock(buffer: SharedArrayBuffer): () => number {
  const cell = new Int32Array(buffer, 0, 1);
  return () => Atomics.add(cell, 0, 1) + 1;
}

/** A history being recorded. */
export class History<I, O> {
  readonly #clock: () => number;
  readonly #operations: Operation<I, O>[] = [];

  constructor(options: HistoryOptions = {}) {
    this.#clock = options.clock ?? monotonicClock();
  }

  /** The operations recorded so far, in invocation order. */
  get operations(): Operation<I, O>[] {
    return [...this.#operations];
  }

  /**
   * Runs `fn` as operation `input` of `client` and records it. Resolves with
   * `fn`'s result; rejects with its error (recorded by `options.outcome`).
   */
  async record<T extends O>(
    client: number | string,
    input: I,
    fn: () => Promise<T>,
    options: RecordOptions<O> = {},
  ): Promise<T> {
    const operation: Operation<I, O> = {
      client,
      input,
      invocation: this.#clock(),
      response: Infinity,
    };
    this.#operations.push(operation);
    try {
      const output = await fn();
      operation.response = this.#clock();
      operation.output = output;
      return output;
    } catch (error) {
      const outcome = options.outcome?.(error) ?? "unknown";
      if (outcome !== "unknown") {
        operation.response = this.#clock();
        operation.output = outcome.output;
      }
      throw error;
    }
  }

  /** Adds an operation recorded elsewhere (another thread, a log). */
  add(operation: Operation<I, O>): void {
    this.#operations.push(operation);
  }
}
