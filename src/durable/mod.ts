/**
 * warden on Cloudflare Durable Objects: the same owners, one per object,
 * with their state in the object's transactional storage.
 *
 * - {@linkcode durableStore} / {@linkcode durableMachine}: make the
 *   Durable Object class that hosts a `Store` or a `Machine`. Every command
 *   runs through the object's one command stream (an async updater that
 *   awaits `fetch()` never interleaves with the next command), and each
 *   command's effects are in storage before its reply is sent.
 * - {@linkcode storeClient} / {@linkcode machineClient}: the caller's side
 *   in a Worker, with the typed API of a local `Store` / `Machine`; a store
 *   may be sharded over several objects by a stable hash
 *   ({@linkcode shardOf}).
 * - {@linkcode Persistence}: the load/save interface the adapter
 *   implements ({@linkcode storagePersistence},
 *   {@linkcode snapshotPersistence}), for other backends to follow.
 *
 * No Cloudflare package is needed: the runtime's objects are described by
 * small structural types ({@linkcode DurableObjectStateLike},
 * {@linkcode DurableNamespace}).
 *
 * @example A Worker with a sharded store of counters
 * ```ts
 * import { durableStore, storeClient, type DurableNamespace } from "@warden/core/durable";
 *
 * // Exported from the Worker module, and bound in wrangler.toml.
 * const Counters = durableStore<string, number>()({
 *   updaters: { add: (current, by: number) => (current ?? 0) + by },
 * });
 *
 * const worker = { // export default worker;
 *   async fetch(request: Request, env: { COUNTERS: DurableNamespace }) {
 *     const counters = storeClient<typeof Counters>(env.COUNTERS, {
 *       name: "counters",
 *       shards: 4,
 *     });
 *     const page = new URL(request.url).pathname;
 *     return Response.json({ page, hits: await counters.update(page, "add", 1) });
 *   },
 * };
 * console.log(typeof Counters, typeof worker.fetch);
 * ```
 *
 * @module
 */
export {
  type ContextOf,
  type EventOf,
  MachineClient,
  machineClient,
  type MachineClientOptions,
  type StateOf,
} from "./machine_client.ts";
export {
  durableMachine,
  type DurableMachineClass,
  type DurableMachineOptions,
} from "./machine_object.ts";
export type { Persistence, StoreChange } from "../core/persistence.ts";
// The core types the adapter's signatures mention, for one-stop imports.
export type { CommandOptions } from "../core/command.ts";
export type {
  MachineConfig,
  MachineSnapshot,
  MachineTransition,
  StateConfig,
  TransitionConfig,
} from "../machine/types.ts";
export { shardOf } from "../remote/shard.ts";
export {
  snapshotPersistence,
  storagePersistence,
} from "./storage_persistence.ts";
export {
  type KeyOf,
  StoreClient,
  storeClient,
  type StoreClientOptions,
  type UpdaterArgs,
  type UpdatersOf,
  type ValueOf,
} from "./store_client.ts";
export { durableStore } from "./store_object.ts";
export type {
  DurableObjectLike,
  DurableStoreClass,
  DurableStoreFactory,
  DurableStoreOptions,
  Updater,
  UpdaterContext,
} from "./store_types.ts";
export { type WatchOptions, watchUrl } from "./watch.ts";
export { WatchGapError } from "./watch_gap_error.ts";
export { watchRoute, type WatchRouteOptions } from "./watch_route.ts";
export type {
  DurableNamespace,
  DurableObjectStateLike,
  DurableStorage,
  DurableStub,
} from "./types.ts";
