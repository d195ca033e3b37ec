/**
 * The shape of a {@linkcode Machine}'s config, and the records it replies
 * with. State names, event names and the context type are inferred from
 * the config: an unknown event or a target that names no state is a
 * compile error.
 *
 * @module
 */

/**
 * One entry of a state's `on` table, in its long form: the target state,
 * plus an optional guard and action.
 *
 * Guards and actions are declared as methods, so a parameter may be
 * annotated more narrowly than `unknown` (`action: (ctx, bytes: number) =>
 * ...`); `send()` does not check that payload at compile time.
 *
 * @typeParam S The machine's state names.
 * @typeParam Ctx The machine's context.
 *
 * @example
 * ```ts
 * import { Machine, type TransitionConfig } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const send: TransitionConfig<"idle" | "inflight", { sent: number }> = {
 *   target: "inflight",
 *   guard: (ctx) => ctx.sent < 3,
 *   action: (ctx) => {
 *     ctx.sent++;
 *   },
 * };
 * const conn = new Machine({
 *   initial: "idle",
 *   context: { sent: 0 },
 *   states: { idle: { on: { send } }, inflight: { on: { done: "idle" } } },
 * });
 * assert.equal(await conn.send("send"), "inflight");
 * await conn.close();
 * ```
 */
export interface TransitionConfig<S extends string, Ctx> {
  /** The state to move to. */
  target: S;
  /**
   * Whether the transition may happen, from the context and the event's
   * payload. Runs in the owner's turn, synchronously; `false` refuses the
   * event with a `TransitionError`. A guard must not change the context: it
   * sees the live one, not a copy.
   */
  guard?(context: Readonly<Ctx>, payload: unknown): boolean;
  /**
   * Runs between the old state's `exit` and the new state's `entry`, on
   * the working copy of the context. May be async: it finishes before the
   * next command runs. If it throws, the transition does not happen.
   */
  action?(context: Ctx, payload: unknown): unknown;
}

/**
 * One state of a machine: its transitions, its entry and exit effects, and
 * its state timeouts. A state with no `on` entries and no `after` entries is
 * final: every event sent in it is refused.
 *
 * @typeParam S The machine's state names.
 * @typeParam E The machine's event names.
 * @typeParam Ctx The machine's context.
 *
 * @example
 * ```ts
 * import type { StateConfig } from "@warden/core";
 *
 * const inflight: StateConfig<"idle" | "inflight" | "closing", "done", undefined> = {
 *   on: { done: "idle" },
 *   after: { 5000: "closing" }, // gives up after five seconds in flight
 * };
 * ```
 */
export interface StateConfig<S extends string, E extends string, Ctx> {
  /**
   * The events this state accepts: `event: target`, or
   * `event: { target, guard?, action? }`. Any other event is refused.
   */
  on?: { [K in E]?: S | TransitionConfig<S, Ctx> };
  /**
   * Runs when the machine enters this state (last, after the old state's
   * `exit` and the transition's `action`), on the working copy of the
   * context. May be async. If it throws, the transition does not happen.
   */
  entry?(context: Ctx, payload: unknown): unknown;
  /**
   * Runs when the machine leaves this state (first), on the working copy
   * of the context. May be async. If it throws, the transition does not
   * happen.
   */
  exit?(context: Ctx, payload: unknown): unknown;
  /**
   * State timeouts, `{ milliseconds: target }`, like Erlang `gen_statem`'s
   * `state_timeout`: entering the state arms a timer for each entry,
   * leaving it disarms them. A timer that fires queues the transition as a
   * command, behind those already sent; it shows in `watch()` with the
   * event `"after:<ms>"`.
   */
  after?: { [ms: number]: S };
}

/**
 * A machine's config: its initial state, its context (the data it owns)
 * and its states. State and event names are inferred from it.
 *
 * @typeParam S The state names: the keys of `states`.
 * @typeParam E The event names: the keys of every state's `on`.
 * @typeParam Ctx The context.
 *
 * @example
 * ```ts
 * import { Machine, type MachineConfig } from "@warden/core";
 *
 * const config: MachineConfig<"on" | "off", "toggle", undefined> = {
 *   initial: "off",
 *   states: { off: { on: { toggle: "on" } }, on: { on: { toggle: "off" } } },
 * };
 * const lamp = new Machine(config);
 * await lamp.send("toggle");
 * await lamp.close();
 * ```
 */
export interface MachineConfig<S extends string, E extends string, Ctx> {
  /** The state the machine starts in. */
  initial: NoInfer<S>;
  /**
   * The data the machine owns. The machine keeps its own copy (made with
   * `clone`); only guards and effects see it from then on.
   *
   * @default {undefined}
   */
  context?: Ctx;
  /**
   * How to copy the context. A transition with effects works on a copy and
   * commits it only if every effect succeeds, so a failed transition leaves
   * the context as it was; `snapshot()` returns a copy too. The default,
   * `structuredClone`, copies plain data, arrays, `Map`, `Set`, `Date` and
   * more, but throws on functions and drops class prototypes: give your
   * own for such a context. `(c) => c` turns the rollback off.
   *
   * @default {structuredClone}
   */
  clone?: (context: Ctx) => Ctx;
  /** The states, by name. */
  states: { [K in S]: StateConfig<NoInfer<S>, E, Ctx> };
}

/**
 * What `snapshot()` resolves: the state and a copy of the context, taken in
 * the command's turn.
 *
 * @typeParam S The machine's state names.
 * @typeParam Ctx The machine's context.
 *
 * @example
 * ```ts
 * import { Machine, type MachineSnapshot } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const m = new Machine({ initial: "a", context: { n: 1 }, states: { a: {} } });
 * const snap: MachineSnapshot<"a", { n: number }> = await m.snapshot();
 * assert.deepEqual(snap, { state: "a", context: { n: 1 } });
 * await m.close();
 * ```
 */
export interface MachineSnapshot<S extends string, Ctx> {
  /** The state the machine is in. */
  readonly state: S;
  /** A copy of the context. */
  readonly context: Ctx;
}

/**
 * One transition, as `watch()` streams it. `event` is the event sent, or
 * `"after:<ms>"` for a state timeout.
 *
 * @typeParam S The machine's state names.
 * @typeParam E The machine's event names.
 *
 * @example
 * ```ts
 * import { Machine, type MachineTransition } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const m = new Machine({ initial: "a", states: { a: { on: { go: "b" } }, b: {} } });
 * const changes = m.watch();
 * await m.send("go");
 * await m.close();
 * const seen: MachineTransition<"a" | "b", "go">[] = [];
 * for await (const change of changes) seen.push(change);
 * assert.deepEqual(seen, [{ from: "a", event: "go", to: "b" }]);
 * ```
 */
export interface MachineTransition<S extends string, E extends string> {
  /** The state left. */
  readonly from: S;
  /** The event that caused it, or `"after:<ms>"` for a state timeout. */
  readonly event: E | `after:${number}`;
  /** The state entered. */
  readonly to: S;
}
