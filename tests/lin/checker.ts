// A linearizability checker for recorded histories (test tooling).
//
// What it decides. A history (tests/lin/history.ts) is a set of operations,
// each with an invocation time, a response time (or none) and the output the
// caller saw. It is linearizable against a sequential model
// (tests/lin/models.ts) iff there is a total order of its operations that
// (1) respects real time: if A's response came before B's invocation, A is
// ordered before B, and (2) replayed through the model gives every operation
// with a response the output that was recorded. An operation with no
// response (a crash, a dropped connection: it may or may not have taken
// effect) has response time +Infinity and any output: it may be placed
// anywhere after its invocation, and placing it last is always possible, so
// "it never happened" is covered too (Knossos' and Porcupine's ":info" ops).
//
// The algorithm is the Wing & Gong search with Lowe's memoisation, as in
// Porcupine's `checkSingle`:
//   - Make the history a doubly linked list of call and return events, sorted
//     by time (a call before a return at equal times: touching intervals
//     count as concurrent, the lenient reading).
//   - Walk the list from the head. At a call event, try to linearize that
//     operation now: step the model; if the output matches and the pair
//     (set of linearized operations as a bitset, model state) is not in the
//     cache, add it to the cache, push (operation, previous state), unlink the
//     operation's call and return events ("lift") and restart at the head.
//     Otherwise move on to the next event.
//   - At a return event, its operation should have been linearized before
//     this point and was not: backtrack: pop the last linearized operation,
//     restore its state, relink its events, and continue after its call.
//   - Success when every operation with a response is linearized; failure
//     when a return event is reached with nothing left to pop.
// The cache makes each (bitset, state) configuration explored once: it is
// what keeps the search practical (Lowe, "Testing for linearizability",
// Concurrency and Computation: Practice and Experience 29(4), 2017). Before
// the search, the model may split the history into independent parts
// (a `Store` per key; Porcupine's partitioning): a history is linearizable
// iff each part is.
//
// On failure, `check()` returns the smallest failing window: the shortest
// prefix of the failing part's events, by time, that is already not
// linearizable (operations whose response lies beyond the prefix count as
// pending there). Linearizability is prefix-closed, so the shortest prefix
// is found by binary search over prefix lengths.
//
// References: M. Herlihy, J. Wing, "Linearizability: a correctness condition
// for concurrent objects", TOPLAS 12(3), 1990; J. Wing, C. Gong, "Testing and
// verifying concurrent objects", JPDC 17(1-2), 1993; G. Lowe (above);
// Porcupine, https://github.com/anishathalye/porcupine (checker.go);
// Knossos, https://github.com/jepsen-io/knossos.
import type { Operation } from "./history.ts";
import { canonical, type Model } from "./models.ts";

/** The shortest prefix of a part's events that is not linearizable. */
export interface FailingWindow<I, O> {
  /** Events (calls and returns) in the window. */
  events: number;
  /** Events in the whole part. */
  of: number;
  /** The operation whose call or return is the window's last event. */
  last: Operation<I, O>;
  /** Whether that event is `last`'s return (else its call). */
  lastIsReturn: boolean;
  /**
   * The operations the window holds, by invocation, as seen at its end
   * (a response after the window is shown as none).
   */
  operations: Operation<I, O>[];
  /** The window as text, one operation a line. */
  text: string;
}

/** What {@linkcode check} found. */
export interface CheckResult<I, O> {
  ok: boolean;
  /** How many independent parts the model split the history into. */
  parts: number;
  /** Configurations the search visited, over all parts. */
  steps: number;
  /** Set when `ok` is false. */
  window?: FailingWindow<I, O>;
}

/** Options of {@linkcode check}. */
export interface CheckOptions {
  /**
   * Search steps allowed per part before giving up with a `RangeError`.
   * @default {5_000_000}
   */
  maxSteps?: number;
}

/** A history that is not linearizable, with its smallest failing window. */
export class NotLinearizableError<I, O> extends Error {
  readonly window: FailingWindow<I, O>;
  constructor(window: FailingWindow<I, O>) {
    super(`history is not linearizable:\n${window.text}`);
    this.name = "NotLinearizableError";
    this.window = window;
  }
}

interface Event {
  id: number;
  time: number;
  call: boolean;
}

function events<I, O>(operations: Operation<I, O>[]): Event[] {
  const all: Event[] = [];
  operations.forEach((op, id) => {
    all.push({ id, time: op.invocation, call: true });
    all.push({ id, time: op.response, call: false });
  });
  return all.sort((a, b) =>
    a.time - b.time || (a.call === b.call ? 0 : a.call ? -1 : 1) ||
    a.id - b.id
  );
}

/** Wing–Gong–Lowe on one part. Returns [linearizable, steps]. */
function search<S, I, O>(
  model: Model<S, I, O>,
  operations: Operation<I, O>[],
  maxSteps: number,
): [boolean, number] {
  const n = operations.length;
  // Nodes 0..2n-1: 2i is op i's call, 2i+1 its return; node 2n the head.
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  let last = head;
  for (const e of events(operations)) {
    const node = 2 * e.id + (e.call ? 0 : 1);
    next[last] = node;
    prev[node] = last;
    last = node;
  }
  const lift = (call: number) => {
    next[prev[call]!] = next[call]!;
    prev[next[call]!] = prev[call]!;
    const ret = call + 1;
    next[prev[ret]!] = next[ret]!;
    if (next[ret] !== -1) prev[next[ret]!] = prev[ret]!;
  };
  const unlift = (call: number) => {
    const ret = call + 1;
    next[prev[ret]!] = ret;
    if (next[ret] !== -1) prev[next[ret]!] = ret;
    next[prev[call]!] = call;
    prev[next[call]!] = call;
  };
  const bits = new Uint32Array(Math.ceil(n / 32));
  const cache = new Set<string>();
  const stack: { call: number; state: S }[] = [];
  let finiteLeft = operations.filter((op) => op.response !== Infinity).length;
  let state = model.init();
  let node = next[head]!;
  let steps = 0;
  while (finiteLeft > 0) {
    if (++steps > maxSteps) {
      throw new RangeError(
        `Cannot check: the search passed ${maxSteps} steps on a part of ${n} operations`,
      );
    }
    const id = node >> 1;
    const op = operations[id]!;
    if ((node & 1) === 0) {
      const stepped = model.step(state, op.input);
      const pending = op.response === Infinity;
      if (pending || model.equal(op.output as O, stepped.output)) {
        bits[id >> 5]! |= 1 << (id & 31);
        const key = `${bits.join(",")}|${model.key(stepped.state)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ call: node, state });
          state = stepped.state;
          lift(node);
          if (!pending) finiteLeft--;
          node = next[head]!;
          continue;
        }
        bits[id >> 5]! &= ~(1 << (id & 31));
      }
      node = next[node]!;
    } else {
      const top = stack.pop();
      if (top === undefined) return [false, steps];
      const topId = top.call >> 1;
      state = top.state;
      bits[topId >> 5]! &= ~(1 << (topId & 31));
      unlift(top.call);
      if (operations[topId]!.response !== Infinity) finiteLeft++;
      node = next[top.call]!;
    }
  }
  return [true, steps];
}

/** The operations of `part` as seen when only its first `k` events happened. */
function prefix<I, O>(
  part: Operation<I, O>[],
  sorted: Event[],
  k: number,
): Operation<I, O>[] {
  const called = new Set<number>();
  const returned = new Set<number>();
  for (const e of sorted.slice(0, k)) (e.call ? called : returned).add(e.id);
  return part.flatMap((op, id) => {
    if (!called.has(id)) return [];
    if (returned.has(id)) return [op];
    return [{
      client: op.client,
      input: op.input,
      invocation: op.invocation,
      response: Infinity,
    }];
  });
}

function describeWindow<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  last: Operation<I, O>,
  lastIsReturn: boolean,
  k: number,
  of: number,
): string {
  const time = (t: number) => (t === Infinity ? "…" : String(t));
  const line = (op: Operation<I, O>) =>
    `  client ${String(op.client)} [${time(op.invocation)}, ${
      time(op.response)
    }] ${model.describe(op.input)} -> ${
      op.response === Infinity ? "(no response)" : canonical(op.output)
    }`;
  return [
    `the shortest failing prefix is ${k} of ${of} events; it ends with the ${
      lastIsReturn ? "response" : "call"
    } of client ${String(last.client)}'s ${model.describe(last.input)}${
      lastIsReturn ? ` -> ${canonical(last.output)}` : ""
    }`,
    `operations in it (by invocation; [invocation, response]):`,
    ...[...ops].sort((a, b) => a.invocation - b.invocation).map(line),
  ].join("\n");
}

/** Checks `operations` against `model`; see the file's first comment. */
export function check<S, I, O>(
  model: Model<S, I, O>,
  operations: Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const maxSteps = options.maxSteps ?? 5_000_000;
  const parts = model.partition?.(operations) ?? [operations];
  let steps = 0;
  for (const part of parts) {
    const [ok, used] = search(model, part, maxSteps);
    steps += used;
    if (ok) continue;
    const sorted = events(part);
    let lo = 1;
    let hi = sorted.length; // the whole part fails
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const [fine, more] = search(model, prefix(part, sorted, mid), maxSteps);
      steps += more;
      if (fine) lo = mid + 1;
      else hi = mid;
    }
    const end = sorted[lo - 1]!;
    const ops = prefix(part, sorted, lo);
    const last = part[end.id]!;
    return {
      ok: false,
      parts: parts.length,
      steps,
      window: {
        events: lo,
        of: sorted.length,
        last,
        lastIsReturn: !end.call,
        operations: ops,
        text: describeWindow(model, ops, last, !end.call, lo, sorted.length),
      },
    };
  }
  return { ok: true, parts: parts.length, steps };
}

/** `check()`, throwing `NotLinearizableError` (with the window) on failure. */
export function assertLinearizable<S, I, O>(
  model: Model<S, I, O>,
  operations: Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const result = check(model, operations, options);
  if (!result.ok) throw new NotLinearizableError(result.window!);
  return result;
}
