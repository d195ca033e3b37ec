/**
 * warden on Restate: a `Store` or a `Machine` hosted as a Restate virtual
 * object, so one key has one exclusive handler at a time across a cluster,
 * its state in Restate's per-object state, its `after` timers durable and
 * every command idempotent.
 *
 * - {@linkcode restateStore} / {@linkcode restateMachine}: the virtual
 *   object definitions, served by the SDK's own endpoint
 *   (`restate.serve()` on Node 22+, `createEndpointHandler()` on Deno,
 *   Bun, workerd). `@restatedev/restate-sdk` is an optional peer
 *   dependency of this entry point only.
 * - {@linkcode storeClient} / {@linkcode machineClient}: the caller's side,
 *   with the typed API of a local `Store` / `Machine`, over the Restate
 *   ingress with `fetch` (no SDK needed on the client).
 *
 * Refusals that are answers (`TransitionError`, a `TypeError` for bad
 * input, an unknown updater) end the invocation with a terminal error and
 * reach the caller as the same class; only real failures are retried.
 *
 * @example A store of counters (service side, Node 22+)
 * ```ts ignore
 * import * as restate from "@restatedev/restate-sdk";
 * import { restateStore } from "@warden/core/restate";
 *
 * export const Counters = restateStore<string, number>()("counters", {
 *   updaters: { add: (current, by: number) => (current ?? 0) + by },
 * });
 * restate.serve({ services: [Counters], port: 9080 });
 * ```
 *
 * @example The caller's side (any runtime with fetch)
 * ```ts
 * import { storeClient, type RestateStoreDefinition } from "@warden/core/restate";
 *
 * type Counters = RestateStoreDefinition<string, number, { add: (c: number | undefined, by: number) => number }>;
 * const counters = storeClient<Counters>("http://127.0.0.1:8080", { service: "counters" });
 * console.log(typeof counters.update); // await counters.update("hits", "add", 1)
 * ```
 *
 * @module
 */
export type { CommandOptions } from "../core/command.ts";
export type {
  MachineConfig,
  MachineSnapshot,
  StateConfig,
  TransitionConfig,
} from "../machine/types.ts";
export {
  type ContextOf,
  type EventOf,
  machineClient,
  RestateMachineClient,
  type RestateMachineClientOptions,
  type StateOf,
} from "./machine_client.ts";
export {
  restateMachine,
  type RestateMachineDefinition,
  type RestateMachineOptions,
} from "./machine_object.ts";
export type { Updater, UpdaterArgs } from "../remote/updater.ts";
export { shardOf } from "../remote/shard.ts";
export type { RestateCommandOptions } from "./command_options.ts";
export {
  type KeyOf,
  RestateStoreClient,
  type RestateStoreClientOptions,
  storeClient,
  type UpdatersOf,
  type ValueOf,
} from "./store_client.ts";
export {
  restateStore,
  type RestateStoreDefinition,
  type RestateStoreFactory,
  type RestateStoreOptions,
  type RestateUpdaterContext,
} from "./store_object.ts";
