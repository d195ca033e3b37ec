// A history log in a SharedArrayBuffer, for clients in worker threads that
// the test terminates mid-load: what a worker wrote before it died is still
// there, and a message it posted might not be. tests/lin_workers.test.ts
// gives each worker one log; tests/lin/worker.ts writes to it.
//
// Layout (Int32): slot 0 counts the records taken; record i is the FIELDS
// ints from 1 + i·FIELDS: status (0 taken, 1 invoked, 2 responded), client,
// opcode, key, argument, invocation, response, output tag, output value.
// A record is written, then its status stored with Atomics, so a reader
// that sees status ≥ 1 (or 2) sees the fields written before it. The call
// is made only once the invocation is published, so a record still at
// status 0 is a call that was never made.
import type { Operation } from "./history.ts";
import type {
  MachineInput,
  MachineOutput,
  StoreInput,
  StoreOutput,
} from "./models.ts";

const FIELDS = 9;

/** The operations a worker client runs, by number. */
export const OPCODES = [
  "get",
  "set",
  "delete",
  "has",
  "send",
  "state",
] as const;
/** One of {@linkcode OPCODES}. */
export type Opcode = (typeof OPCODES)[number];

/** How an output is stored: its kind and one integer. */
export const TAGS = {
  undefined: 0,
  number: 1,
  boolean: 2,
  /** A machine state, by its index in the state list. */
  state: 3,
  transitionError: 4,
} as const;

/** A log of `records` records. */
export function sharedLog(records: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 * (1 + records * FIELDS));
}

/** The writing side, in a client. */
export class LogWriter {
  readonly #cells: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.#cells = new Int32Array(buffer);
  }
  /** Publishes an invocation; returns its record. */
  invoke(
    client: number,
    opcode: Opcode,
    key: number,
    arg: number,
    invocation: number,
  ): number {
    const i = Atomics.add(this.#cells, 0, 1);
    const base = 1 + i * FIELDS;
    if (base + FIELDS > this.#cells.length) {
      throw new RangeError(`Cannot log: the log is full, received record ${i}`);
    }
    this.#cells.set(
      [0, client, OPCODES.indexOf(opcode), key, arg, invocation],
      base,
    );
    Atomics.store(this.#cells, base, 1);
    return i;
  }
  /** Publishes the response of record `i`. */
  respond(i: number, tag: number, value: number, response: number): void {
    const base = 1 + i * FIELDS;
    this.#cells.set([response, tag, value], base + 6);
    Atomics.store(this.#cells, base, 2);
  }
}

/** A record as read back. */
export interface LogRecord {
  client: number;
  opcode: Opcode;
  key: number;
  arg: number;
  invocation: number;
  /** `Infinity` when the response was never published. */
  response: number;
  tag: number;
  value: number;
}

/** Every invoked record of `buffer` (a call never made is left out). */
export function readLog(buffer: SharedArrayBuffer): LogRecord[] {
  const cells = new Int32Array(buffer);
  const taken = Math.min(Atomics.load(cells, 0), (cells.length - 1) / FIELDS);
  const out: LogRecord[] = [];
  for (let i = 0; i < taken; i++) {
    const base = 1 + i * FIELDS;
    const status = Atomics.load(cells, base);
    if (status === 0) continue;
    const f = cells.subarray(base, base + FIELDS);
    out.push({
      client: f[1]!,
      opcode: OPCODES[f[2]!]!,
      key: f[3]!,
      arg: f[4]!,
      invocation: f[5]!,
      response: status === 2 ? f[6]! : Infinity,
      tag: f[7]!,
      value: f[8]!,
    });
  }
  return out;
}

/** The store operations of `records`, keys named `k<n>`. */
export function storeOperations(
  records: LogRecord[],
): Operation<StoreInput<string, number>, StoreOutput<number>>[] {
  return records.flatMap((r) => {
    const key = `k${r.key}`;
    let input: StoreInput<string, number>;
    if (r.opcode === "set") input = { op: "set", key, value: r.arg };
    else if (
      r.opcode === "get" || r.opcode === "delete" || r.opcode === "has"
    ) {
      input = { op: r.opcode, key };
    } else return [];
    const op = {
      client: r.client,
      input,
      invocation: r.invocation,
      response: r.response,
    };
    if (r.response === Infinity) return [op];
    const output = r.tag === TAGS.number
      ? r.value
      : r.tag === TAGS.boolean
      ? r.value === 1
      : undefined;
    return [{ ...op, output }];
  });
}

/** The machine operations of `records`; events and states by index. */
export function machineOperations<S extends string, E extends string>(
  records: LogRecord[],
  states: readonly S[],
  events: readonly E[],
): Operation<MachineInput<E>, MachineOutput<S>>[] {
  return records.flatMap((r) => {
    let input: MachineInput<E>;
    if (r.opcode === "send") input = { op: "send", event: events[r.arg]! };
    else if (r.opcode === "state") input = { op: "state" };
    else return [];
    const op = {
      client: r.client,
      input,
      invocation: r.invocation,
      response: r.response,
    };
    if (r.response === Infinity) return [op];
    const output: MachineOutput<S> = r.tag === TAGS.transitionError
      ? { error: "TransitionError" }
      : states[r.value]!;
    return [{ ...op, output }];
  });
}
