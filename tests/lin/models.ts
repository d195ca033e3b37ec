// Sequential models for the linearizability checker (tests/lin/checker.ts):
// what one `Store` or one `Machine` does when its operations run one at a
// time. A model is deterministic: `step(state, input)` gives the next state
// and the output the caller must have seen. States are immutable values
// (a step returns a new one) and `key(state)` names a state for the
// checker's memo cache, so two equal states have equal keys.
import type { Operation } from "./history.ts";

/** A deterministic sequential specification. */
export interface Model<S, I, O> {
  /** The state before any operation. */
  init(): S;
  /** Runs `input` on `state`: the state after it and the caller's output. */
  step(state: S, input: I): { state: S; output: O };
  /** Whether a recorded output is the one the model gave. */
  equal(recorded: O, expected: O): boolean;
  /** A string that is equal for equal states (memo cache key). */
  key(state: S): string;
  /**
   * Splits a history into independent ones, checked apart (Porcupine's
   * partitioning): a history is linearizable iff each part is.
   */
  partition?(operations: Operation<I, O>[]): Operation<I, O>[][];
  /** The input as a call, for failure reports: `set("a", 1)`. */
  describe(input: I): string;
}

/** JSON with object keys sorted: equal values give equal strings. */
export function canonical(value: unknown): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      sorted[k] = (v as Record<string, unknown>)[k];
    }
    return sorted;
  });
}

// ---------------------------------------------------------------------------
// Store

/** One `Store` operation, as the local and remote stores expose them. */
export type StoreInput<K, V> =
  | { op: "get"; key: K }
  | { op: "set"; key: K; value: V }
  | { op: "delete"; key: K }
  | { op: "has"; key: K }
  | { op: "update"; key: K; updater: string; args: readonly unknown[] }
  | { op: "size" }
  | { op: "clear" };

/** A `Store` output: the resolved value (`undefined` for set/clear). */
export type StoreOutput<V> = V | boolean | number | undefined | void;

/** A named updater, as durable and Restate stores declare them. */
export type ModelUpdater<V> = (current: V | undefined, ...args: never[]) => V;

/** Options of {@linkcode storeModel}. */
export interface StoreModelOptions<V> {
  /** The named updaters `update` ops may use. @default {{}} */
  updaters?: Record<string, ModelUpdater<V>>;
}

/** A store's state: its entries sorted by key (immutable). */
export type StoreState<K, V> = readonly (readonly [K, V])[];

/**
 * The sequential `Store`: a map. Partitioned by key when the history has no
 * `size` or `clear` (those read or change every key at once).
 */
export function storeModel<K extends string | number, V>(
  options: StoreModelOptions<V> = {},
): Model<StoreState<K, V>, StoreInput<K, V>, StoreOutput<V>> {
  const updaters = options.updaters ?? {};
  const find = (state: StoreState<K, V>, key: K) =>
    state.findIndex(([k]) => k === key);
  const put = (state: StoreState<K, V>, key: K, value: V) => {
    const next = state.filter(([k]) => k !== key);
    next.push([key, value]);
    return next.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  };
  return {
    init: () => [],
    step(state, input) {
      switch (input.op) {
        case "get": {
          const i = find(state, input.key);
          return { state, output: i < 0 ? undefined : state[i]![1] };
        }
        case "has":
          return { state, output: find(state, input.key) >= 0 };
        case "set":
          return {
            state: put(state, input.key, input.value),
            output: undefined,
          };
        case "delete": {
          const i = find(state, input.key);
          if (i < 0) return { state, output: false };
          return { state: state.filter((_, j) => j !== i), output: true };
        }
        case "update": {
          const fn = updaters[input.updater];
          if (fn === undefined) {
            throw new RangeError(
              `Cannot step: no updater named "${input.updater}" in the model`,
            );
          }
          const i = find(state, input.key);
          const value = fn(
            i < 0 ? undefined : state[i]![1],
            ...(input.args as never[]),
          );
          return { state: put(state, input.key, value), output: value };
        }
        case "size":
          return { state, output: state.length };
        case "clear":
          return { state: [], output: undefined };
      }
    },
    equal: (recorded, expected) => canonical(recorded) === canonical(expected),
    key: (state) => canonical(state),
    partition(operations) {
      const parts = new Map<K, Operation<StoreInput<K, V>, StoreOutput<V>>[]>();
      for (const operation of operations) {
        const input = operation.input;
        if (input.op === "size" || input.op === "clear") return [operations];
        const part = parts.get(input.key);
        if (part === undefined) parts.set(input.key, [operation]);
        else part.push(operation);
      }
      return [...parts.values()];
    },
    describe(input) {
      const args = input.op === "size" || input.op === "clear"
        ? ""
        : input.op === "set"
        ? `${canonical(input.key)}, ${canonical(input.value)}`
        : input.op === "update"
        ? [input.key, input.updater, ...input.args].map(canonical).join(", ")
        : canonical(input.key);
      return `${input.op}(${args})`;
    },
  };
}

// ---------------------------------------------------------------------------
// Machine

/** One `Machine` operation. */
export type MachineInput<E extends string> =
  | { op: "send"; event: E }
  | { op: "state" };

/** The state `send()` resolved with, or the class of its rejection. */
export type MachineOutput<S extends string> = S | { error: "TransitionError" };

/** A machine as its transition table (no guards, no timers). */
export interface MachineTable<S extends string, E extends string> {
  initial: S;
  states: { [state in S]: { on?: { [event in E]?: S | { target: S } } } };
}

/**
 * The sequential `Machine`: `send(event)` moves to the target and resolves
 * with it, or rejects with `TransitionError` and leaves the state; `state()`
 * reads it. One machine is one partition (every operation reads its state).
 */
export function machineModel<S extends string, E extends string>(
  table: MachineTable<S, E>,
): Model<S, MachineInput<E>, MachineOutput<S>> {
  return {
    init: () => table.initial,
    step(state, input) {
      if (input.op === "state") return { state, output: state };
      const on: { [event in E]?: S | { target: S } } | undefined = table
        .states[state]?.on;
      const to: S | { target: S } | undefined = on?.[input.event];
      if (to === undefined) {
        return { state, output: { error: "TransitionError" } };
      }
      const target = typeof to === "string" ? to : to.target;
      return { state: target, output: target };
    },
    equal: (recorded, expected) => canonical(recorded) === canonical(expected),
    key: (state) => state,
    describe: (input) =>
      input.op === "send" ? `send(${canonical(input.event)})` : "state()",
  };
}
