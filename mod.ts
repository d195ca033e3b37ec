/**
 * warden: async state with exactly one owner.
 *
 * Go's *stateful goroutine* for TypeScript, on web standards only. One owner
 * holds the state; callers send commands; the commands flow through a
 * `WritableStream` whose sink is the only code that touches the state, one
 * command at a time. The async race (check, `await`, act) cannot happen.
 *
 * - {@linkcode Owner}: any state, with your handlers.
 * - {@linkcode Store}: an owned `Map` (get/set/update/entries/watch).
 * - {@linkcode Machine}: an owned protocol (states, events, guarded
 *   transitions, state timeouts) that refuses what its table does not allow;
 *   {@linkcode toMermaid} draws its config as a Mermaid state diagram.
 * - `@warden/core/workers`: `serve` / `connect`, an owner in one thread and
 *   its typed API in others (Workers), over transferred streams.
 * - `@warden/core/durable`: the same owners hosted in Cloudflare Durable
 *   Objects, with durable state.
 * - Errors: {@linkcode ClosedError}, {@linkcode OverflowError},
 *   {@linkcode TimeoutError}, {@linkcode TransitionError},
 *   {@linkcode ReentrancyError}, {@linkcode InspectorError}.
 * - Seeing inside: the `inspect` option ({@linkcode InspectEvent}s) and
 *   `stats()` ({@linkcode OwnerStats}) on every owner.
 *
 * @example
 * ```ts
 * import { Owner, Store } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const store = new Store<number, number>();
 * await store.set(1, 42);
 * assert.equal(await store.get(1), 42);
 *
 * const counter = new Owner({ n: 0 }, {
 *   add(state, by: number) {
 *     state.n += by;
 *     return state.n;
 *   },
 * });
 * assert.equal(await counter.ask("add", 2), 2);
 * ```
 *
 * @module
 */
export type { Clock } from "./src/core/clock.ts";
export type {
  CommandOptions,
  Envelope,
  ValueReply,
} from "./src/core/command.ts";
export {
  ClosedError,
  type CommandInfo,
  InspectorError,
  OverflowError,
  ReentrancyError,
  TimeoutError,
  TransitionError,
} from "./src/core/errors.ts";
export { Machine, type MachineOptions } from "./src/machine/machine.ts";
export { toMermaid, type ToMermaidOptions } from "./src/machine/mermaid.ts";
export type {
  MachineConfig,
  MachineSnapshot,
  MachineTransition,
  StateConfig,
  TransitionConfig,
} from "./src/machine/types.ts";
export type {
  AbortedEvent,
  AcceptedEvent,
  EventRefusedEvent,
  InspectEvent,
  InspectEventBase,
  Inspector,
  OwnerStats,
  OwnerStatsRunning,
  RefusedEvent,
  SettledEvent,
  StartedEvent,
  StuckEvent,
  TimedOutEvent,
  TransitionEvent,
} from "./src/core/inspect.ts";
export { Lifecycle } from "./src/core/lifecycle.ts";
export type { OwnerOptions } from "./src/core/options.ts";
export {
  type ArgsOf,
  type Handler,
  type Handlers,
  type ItemOf,
  Owner,
  type ReplyOf,
  type StreamOps,
} from "./src/owner.ts";
export { Store, type StoreOptions } from "./src/store.ts";
