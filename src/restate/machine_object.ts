import * as restate from "@restatedev/restate-sdk/fetch";
import { describe } from "../core/describe.ts";
import { Machine } from "../machine/machine.ts";
import type { MachineConfig, StateConfig } from "../machine/types.ts";
import { nonEmptyName } from "../remote/names.ts";
import type { RestateHandler } from "./store_object.ts";
import { asAnswer, assertServiceRuntime, inputObject } from "./runtime.ts";

/** What the object keeps in Restate's state. */
interface Saved {
  state: string;
  context: unknown;
  /** Counts transitions: a timer armed at epoch n fires only at epoch n. */
  epoch: number;
}

const SAVED = "machine";
const TIMER = "wardenAfter";
const AFTER = "~after:";

/**
 * What {@linkcode restateMachine} returns: a Restate virtual object
 * definition, one machine per object key. Its `"~types"` field exists only
 * in the type system: it carries the machine's types to
 * `machineClient<typeof MyMachine>()`.
 *
 * @typeParam S The machine's state names.
 * @typeParam E The machine's event names.
 * @typeParam Ctx The machine's context.
 *
 * @example
 * ```ts
 * import type { RestateMachineDefinition } from "@warden/core/restate";
 *
 * type Door = RestateMachineDefinition<"shut" | "open", "open" | "shut", undefined>;
 * const name: Door["name"] = "door";
 * console.log(name);
 * ```
 */
export interface RestateMachineDefinition<
  S extends string,
  E extends string,
  Ctx,
> {
  /** The virtual object's name. */
  readonly name: string;
  /** Type-level only: never set at run time. */
  readonly "~types"?: { state: S; event: E; context: Ctx };
}

/**
 * Options of {@linkcode restateMachine}.
 *
 * @example
 * ```ts
 * import type { RestateMachineOptions } from "@warden/core/restate";
 *
 * const options: RestateMachineOptions = {};
 * console.log(options);
 * ```
 */
export interface RestateMachineOptions {
  /**
   * A description, shown by Restate's admin API and UI.
   *
   * @default {undefined}
   */
  description?: string;
}

/**
 * The config a hosted machine runs with: no local timers (`after` becomes
 * a synthetic event per timeout, sent by a durable delayed call), and the
 * restored state's `entry` skipped while restoring (it ran when the state
 * was entered, in an earlier invocation).
 */
function hostedConfig(
  config: MachineConfig<string, string, unknown>,
  saved: Saved | undefined,
  flag: { restoring: boolean },
): MachineConfig<string, string, unknown> {
  const states: Record<string, StateConfig<string, string, unknown>> = {};
  for (const [name, state] of Object.entries(config.states)) {
    const { after, entry, ...rest } = state as StateConfig<
      string,
      string,
      unknown
    >;
    const on: Record<string, unknown> = { ...rest.on };
    for (const [ms, target] of Object.entries(after ?? {})) {
      on[AFTER + ms] = target;
    }
    const hosted: StateConfig<string, string, unknown> = {
      ...rest,
      on: on as StateConfig<string, string, unknown>["on"],
    };
    if (entry !== undefined) {
      hosted.entry = function (context, payload) {
        if (flag.restoring) return;
        return entry.call(this, context, payload);
      };
    }
    states[name] = hosted;
  }
  const hosted: MachineConfig<string, string, unknown> = {
    ...config,
    states,
  };
  if (saved !== undefined) {
    hosted.initial = saved.state;
    hosted.context = saved.context;
  }
  return hosted;
}

/**
 * Makes the Restate virtual object that hosts a `Machine`: one machine per
 * object key, its state and context in Restate's per-object state. `send`
 * runs in an exclusive handler and the new snapshot is in Restate's state
 * before the reply; a refused event rejects with `TransitionError` (a
 * terminal error: Restate does not retry it) and leaves the state as it
 * was. `state`, `snapshot` and `can` run in shared handlers: they see the
 * last committed snapshot.
 *
 * `after: { ms: target }` timeouts become durable: entering such a state
 * sends the object a delayed message (`wardenAfter`, private to the
 * ingress) that survives crashes of the server and of the service; when it
 * fires, it moves the machine only if it has not left that state since
 * (each transition counts an epoch; a stale timer does nothing). A machine
 * object is created by its first `send`: the initial state cannot have
 * `after` (a `RangeError`).
 *
 * Context must survive JSON. Guards and actions receive the payload as it
 * arrived as JSON: check it.
 *
 * Throws on a runtime the SDK cannot serve on (Node 20).
 *
 * @typeParam S The machine's state names.
 * @typeParam E The machine's event names.
 * @typeParam Ctx The machine's context.
 * @param name The virtual object's name.
 * @param config The machine, as for `new Machine(config)`.
 * @param options A description.
 * @returns The definition, to bind to an endpoint.
 *
 * @example
 * ```ts ignore
 * import * as restate from "@restatedev/restate-sdk";
 * import { restateMachine } from "@warden/core/restate";
 *
 * export const Door = restateMachine("door", {
 *   initial: "shut",
 *   states: { shut: { on: { open: "open" } }, open: { on: { shut: "shut" }, after: { 60_000: "shut" } } },
 * });
 * restate.serve({ services: [Door], port: 9080 });
 * ```
 */
export function restateMachine<
  S extends string,
  E extends string = never,
  Ctx = undefined,
>(
  name: string,
  config: MachineConfig<S, E, Ctx>,
  options: RestateMachineOptions = {},
): RestateMachineDefinition<S, E, Ctx> {
  assertServiceRuntime("create restateMachine");
  nonEmptyName(name, "name", "create restateMachine");
  // Validates the config as a local Machine would.
  void new Machine(config).close();
  const base = config as unknown as MachineConfig<string, string, unknown>;
  const initial = base.states[base.initial] as StateConfig<
    string,
    string,
    unknown
  >;
  if (initial.after !== undefined && Object.keys(initial.after).length > 0) {
    throw new RangeError(
      `Cannot create restateMachine: the initial state cannot have after (the object starts at its first send), received state "${base.initial}" with after`,
    );
  }

  const wrap = <C>(
    fn: (ctx: C, input: unknown) => Promise<unknown>,
  ): (ctx: C, input: unknown) => Promise<unknown> =>
  async (ctx, input) => {
    try {
      return await fn(ctx, input);
    } catch (error) {
      throw asAnswer(error);
    }
  };
  const load = async (ctx: restate.ObjectSharedContext) =>
    await ctx.get<Saved>(SAVED) ?? undefined;
  /** A machine in the saved state; its start (entry) has run. */
  const build = async (saved: Saved | undefined) => {
    const flag = { restoring: saved !== undefined };
    const machine = new Machine<string, string, unknown>(
      hostedConfig(base, saved, flag),
    );
    await machine.state(); // after the start command
    flag.restoring = false;
    return machine;
  };
  const snapshotOf = (saved: Saved | undefined) =>
    saved === undefined
      ? { state: base.initial, context: base.context }
      : { state: saved.state, context: saved.context };
  const eventOf = (input: unknown, action: string) => {
    const command = inputObject(input, action);
    if (typeof command.event !== "string") {
      throw new TypeError(
        `Cannot ${action}: event must be a string, received ${
          describe(command.event)
        }`,
      );
    }
    if (command.event.startsWith(AFTER)) {
      throw new TypeError(
        `Cannot ${action}: "${AFTER}" events are the machine's own timers, received ${
          describe(command.event)
        }`,
      );
    }
    return { event: command.event, payload: command.payload };
  };

  /** Runs one event in the exclusive handler; saves; arms the timers. */
  const step = async (
    ctx: restate.ObjectContext,
    saved: Saved | undefined,
    event: string,
    payload: unknown,
  ): Promise<string> => {
    const machine = await build(saved);
    try {
      const to = await machine.send(event, payload);
      const { context } = await machine.snapshot();
      const epoch = (saved?.epoch ?? 0) + 1;
      ctx.set<Saved>(SAVED, { state: to, context, epoch });
      const after = (base.states[to] as StateConfig<string, string, unknown>)
        .after;
      for (const ms of Object.keys(after ?? {})) {
        ctx.genericSend({
          service: name,
          method: TIMER,
          key: ctx.key,
          parameter: { epoch, ms: Number(ms) },
          inputSerde: restate.serde.json,
          delay: Number(ms),
        });
      }
      return to;
    } finally {
      await machine.close();
    }
  };

  const handlers: Record<string, RestateHandler> = {
    send: restate.handlers.object.exclusive(
      wrap(async (ctx: restate.ObjectContext, input) => {
        const { event, payload } = eventOf(input, "send");
        return { value: await step(ctx, await load(ctx), event, payload) };
      }),
    ) as RestateHandler,
    [TIMER]: restate.handlers.object.exclusive(
      { ingressPrivate: true },
      wrap(async (ctx: restate.ObjectContext, input) => {
        const timer = inputObject(input, TIMER);
        const { epoch, ms } = timer;
        if (typeof epoch !== "number" || typeof ms !== "number") {
          throw new TypeError(
            `Cannot fire a timer: epoch and ms must be numbers, received ${
              describe(epoch)
            } and ${describe(ms)}`,
          );
        }
        const saved = await load(ctx);
        // Left that state since (or never there): a stale timer.
        if (saved === undefined || saved.epoch !== epoch) {
          return { value: null };
        }
        return { value: await step(ctx, saved, AFTER + ms, undefined) };
      }),
    ) as RestateHandler,
    state: restate.handlers.object.shared(
      wrap(async (ctx: restate.ObjectSharedContext) => ({
        value: snapshotOf(await load(ctx)).state,
      })),
    ) as unknown as RestateHandler,
    snapshot: restate.handlers.object.shared(
      wrap(async (ctx: restate.ObjectSharedContext) => ({
        value: snapshotOf(await load(ctx)),
      })),
    ) as unknown as RestateHandler,
    can: restate.handlers.object.shared(
      wrap(async (ctx: restate.ObjectSharedContext, input) => {
        const { event, payload } = eventOf(input, "can");
        const machine = await build(await load(ctx));
        try {
          return { value: await machine.can(event, payload) };
        } finally {
          await machine.close();
        }
      }),
    ) as unknown as RestateHandler,
  };
  return restate.object({
    name,
    handlers,
    ...(options.description === undefined
      ? {}
      : { description: options.description }),
  }) as RestateMachineDefinition<S, E, Ctx>;
}
