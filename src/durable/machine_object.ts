import { describe } from "../core/describe.ts";
import { Machine } from "../machine/machine.ts";
import type { MachineConfig, MachineSnapshot } from "../machine/types.ts";
import { Owner } from "../owner.ts";
import type { Persistence } from "../core/persistence.ts";
import { snapshotPersistence } from "./storage_persistence.ts";
import type { DurableObjectLike } from "./store_object.ts";
import type { DurableObjectStateLike } from "./types.ts";
import { type Asker, serve } from "./serve.ts";

/**
 * Options of {@linkcode durableMachine}.
 *
 * @typeParam S The machine's state names.
 * @typeParam Ctx The machine's context.
 * @typeParam Env The Worker's bindings.
 *
 * @example
 * ```ts
 * import type { DurableMachineOptions } from "@warden/core/durable";
 *
 * const options: DurableMachineOptions<"idle", undefined, unknown> = {
 *   key: "connection",
 * };
 * console.log(options.key); // "connection"
 * ```
 */
export interface DurableMachineOptions<S extends string, Ctx, Env> {
  /**
   * The storage key of the snapshot.
   *
   * @default {"machine"}
   */
  key?: string;
  /**
   * Where the snapshot lives, when not in the object's own storage.
   *
   * @default {snapshotPersistence(state.storage, key)}
   */
  persistence?: (
    state: DurableObjectStateLike,
    env: Env,
  ) => Persistence<MachineSnapshot<S, Ctx>>;
}

/**
 * The class {@linkcode durableMachine} returns. Its static `"~types"` field
 * exists only in the type system: it carries the machine's types to
 * `machineClient<typeof MyMachine>()`.
 *
 * @typeParam S The machine's state names.
 * @typeParam E The machine's event names.
 * @typeParam Ctx The machine's context.
 * @typeParam Env The Worker's bindings.
 *
 * @example
 * ```ts
 * import { durableMachine, type DurableMachineClass } from "@warden/core/durable";
 *
 * const Door: DurableMachineClass<"shut" | "open", "open" | "shut", undefined, unknown> =
 *   durableMachine(() => ({
 *     initial: "shut",
 *     states: { shut: { on: { open: "open" } }, open: { on: { shut: "shut" } } },
 *   }));
 * console.log(typeof Door); // "function"
 * ```
 */
export interface DurableMachineClass<
  S extends string,
  E extends string,
  Ctx,
  Env,
> {
  /** Called by the runtime when the object starts. */
  new (state: DurableObjectStateLike, env: Env): DurableObjectLike;
  /** Type-level only: never set at run time. */
  readonly "~types"?: { state: S; event: E; context: Ctx };
}

interface Hosted<S extends string, E extends string, Ctx> {
  machine: Machine<S, E, Ctx>;
  saved: MachineSnapshot<S, Ctx> | undefined;
  readonly build: (
    saved: MachineSnapshot<S, Ctx> | undefined,
  ) => Machine<S, E, Ctx>;
  readonly persistence: Persistence<MachineSnapshot<S, Ctx>>;
}

/**
 * Makes a Durable Object class that hosts a `Machine` with its
 * `{ state, context }` in the object's transactional storage. Talk to it
 * with {@linkcode machineClient}.
 *
 * Each `send` runs through one owner's command stream: the machine moves
 * (its async effects may await `fetch()`; no other command runs
 * meanwhile), the new snapshot is written, and only then is the reply
 * sent. If the write fails, the send fails and the machine is rebuilt from
 * the last saved snapshot. A refused event rejects with `TransitionError`
 * on the caller's side, whichever request sent the events before it.
 *
 * On wake the machine is rebuilt from the saved snapshot: it starts in
 * the saved state, so that state's `entry` effect runs again, as after any
 * restart. State timeouts (`after`) are timers of the running object and
 * do not survive its eviction; use the object's alarms for durable
 * deadlines.
 *
 * @param config The machine's config, from the object's bindings.
 * @param options Where the snapshot is kept.
 * @returns The Durable Object class.
 *
 * @example
 * ```ts
 * import { durableMachine } from "@warden/core/durable";
 *
 * const Connection = durableMachine(() => ({
 *   initial: "idle",
 *   states: {
 *     idle: { on: { send: "inflight", close: "closing" } },
 *     inflight: { on: { done: "idle", close: "closing" } },
 *     closing: {},
 *   },
 * }));
 * console.log(typeof Connection); // "function"; export it from the Worker
 * ```
 */
export function durableMachine<
  S extends string,
  E extends string = never,
  Ctx = undefined,
  Env = unknown,
>(
  config: (env: Env) => MachineConfig<S, E, Ctx>,
  options: DurableMachineOptions<S, Ctx, Env> = {},
): DurableMachineClass<S, E, Ctx, Env> {
  if (typeof config !== "function") {
    throw new TypeError(
      `Cannot create durableMachine: config must be a function from env to a machine config, received ${
        describe(config)
      }`,
    );
  }
  const key = options.key ?? "machine";
  const persist = options.persistence ??
    ((state: DurableObjectStateLike) =>
      snapshotPersistence<MachineSnapshot<S, Ctx>>(state.storage, key));
  return class DurableMachine {
    readonly #owner: Promise<Asker>;
    constructor(state: DurableObjectStateLike, env: Env) {
      const persistence = persist(state, env);
      const base = config(env);
      const build = (saved: MachineSnapshot<S, Ctx> | undefined) =>
        new Machine<S, E, Ctx>(
          saved === undefined
            ? base
            : { ...base, initial: saved.state, context: saved.context },
        );
      this.#owner = state.blockConcurrencyWhile(async () => {
        const saved = await persistence.load();
        const hosted: Hosted<S, E, Ctx> = {
          machine: build(saved),
          saved,
          build,
          persistence,
        };
        return new Owner(
          hosted as unknown as AnyHosted,
          handlers,
        ) as unknown as Asker;
      });
    }
    async fetch(request: Request): Promise<Response> {
      return serve(await this.#owner, request);
    }
  };
}

type AnyHosted = Hosted<string, string, unknown>;

const handlers = {
  async send(
    hosted: AnyHosted,
    event: string,
    payload?: unknown,
  ): Promise<string> {
    const to = await hosted.machine.send(event, payload);
    const snapshot = await hosted.machine.snapshot();
    try {
      await hosted.persistence.save(snapshot);
    } catch (error) {
      // Memory moved but storage did not: go back to what storage holds.
      const stale = hosted.machine;
      hosted.machine = hosted.build(hosted.saved);
      await stale.abort(error);
      throw error;
    }
    hosted.saved = snapshot;
    return to;
  },
  state(hosted: AnyHosted): Promise<string> {
    return hosted.machine.state();
  },
  snapshot(hosted: AnyHosted): Promise<MachineSnapshot<string, unknown>> {
    return hosted.machine.snapshot();
  },
  can(hosted: AnyHosted, event: string, payload?: unknown): Promise<boolean> {
    return hosted.machine.can(event, payload);
  },
};
