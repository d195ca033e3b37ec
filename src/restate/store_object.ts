import * as restate from "@restatedev/restate-sdk/fetch";
import { describe } from "../core/describe.ts";
import { nonEmptyName } from "../remote/names.ts";
import type { Updater } from "../remote/updater.ts";
import {
  asAnswer,
  assertServiceRuntime,
  inputObject,
  terminal,
} from "./runtime.ts";

/**
 * What an updater's `this` is: the key being updated. An updater runs
 * again if its invocation is retried after a failure: keep its side
 * effects idempotent.
 *
 * @typeParam K The key type.
 *
 * @example
 * ```ts
 * import type { RestateUpdaterContext } from "@warden/core/restate";
 *
 * function add(this: RestateUpdaterContext<string>, current: number | undefined, by: number) {
 *   return (current ?? 0) + by;
 * }
 * console.log(typeof add);
 * ```
 */
export interface RestateUpdaterContext<K> {
  /** The key being updated. */
  readonly key: K;
}

/**
 * Options of {@linkcode restateStore}.
 *
 * @typeParam U The named updaters.
 *
 * @example
 * ```ts
 * import type { RestateStoreOptions } from "@warden/core/restate";
 *
 * const options: RestateStoreOptions<{}> = { updaters: {} };
 * console.log(options.updaters);
 * ```
 */
export interface RestateStoreOptions<U> {
  /**
   * The named updaters callers may run with
   * `client.update(key, name, ...args)`. `this` is a
   * {@linkcode RestateUpdaterContext}.
   *
   * @default {{}}
   */
  updaters?: U;
}

/** A handler of a hosted owner, as the SDK sees it. @internal */
export type RestateHandler = (
  ctx: restate.ObjectContext,
  input: unknown,
) => Promise<unknown>;

/**
 * What {@linkcode restateStore} returns: a Restate virtual object
 * definition, to bind to an endpoint (`restate.serve({ services: [it] })`
 * or `createEndpointHandler({ services: [it] })`). Its `"~types"` field
 * exists only in the type system: it carries the key, value and updater
 * types to `storeClient<typeof MyStore>()`.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @typeParam U The named updaters.
 *
 * @example
 * ```ts ignore
 * import { restateStore, type RestateStoreDefinition } from "@warden/core/restate";
 *
 * const Counters: RestateStoreDefinition<string, number, {}> = restateStore<string, number>()("counters");
 * ```
 */
export interface RestateStoreDefinition<K, V, U> {
  /** The virtual object's name. */
  readonly name: string;
  /** Type-level only: never set at run time. */
  readonly "~types"?: { key: K; value: V; updaters: U };
}

/**
 * What `restateStore<K, V>()` returns: from a name and options to the
 * virtual object definition, with the updaters' types inferred.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 *
 * @example
 * ```ts ignore
 * import { restateStore, type RestateStoreFactory } from "@warden/core/restate";
 *
 * const factory: RestateStoreFactory<string, number> = restateStore<string, number>();
 * ```
 */
export interface RestateStoreFactory<K, V> {
  /** A definition whose objects run the given updaters. */
  <U extends Record<string, Updater<V>>>(
    name: string,
    options:
      & RestateStoreOptions<U>
      & { updaters: U }
      & ThisType<RestateUpdaterContext<K>>,
  ): RestateStoreDefinition<K, V, U>;
  /** A definition with no updaters. */
  (
    name: string,
    options?: RestateStoreOptions<Record<never, never>>,
  ): RestateStoreDefinition<K, V, Record<never, never>>;
}

const PREFIX = "entry:";

/** The per-key state name of a store key: its JSON after a prefix. */
function entryName(key: unknown): string {
  return PREFIX + JSON.stringify(key);
}

function keyOf(input: Record<string, unknown>, action: string): unknown {
  if (!("key" in input) || input.key === undefined) {
    throw terminal(
      new TypeError(
        `Cannot ${action}: the input must carry a key, received ${
          describe(input.key)
        }`,
      ),
    );
  }
  return input.key;
}

/**
 * Makes the Restate virtual object that hosts a `Store`: one object per
 * store shard (the client picks the object key), its entries in Restate's
 * per-object state, one entry per state name. Every changing command
 * (`set`, `delete`, `update`, `clear`) runs in an exclusive handler and its
 * effect is in Restate's state when the invocation ends, before the reply.
 * Reads (`get`, `has`, `size`, `entries`) run in shared handlers: they see
 * the last committed state and never wait behind queued writes (a read sent
 * after a write's reply sees that write).
 *
 * Every handler validates its JSON input; a refusal (a `TypeError` for bad
 * input, an unknown updater, a `TypeError`/`RangeError` an updater throws)
 * ends the invocation with a terminal error that reaches the caller as the
 * same class. Any other error an updater throws is a failure, and Restate
 * retries the invocation: throw `TerminalError` to refuse for good.
 *
 * Throws on a runtime the SDK cannot serve on (Node 20).
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @returns A factory: `(name, { updaters })` to the definition.
 *
 * @example
 * ```ts ignore
 * import * as restate from "@restatedev/restate-sdk";
 * import { restateStore } from "@warden/core/restate";
 *
 * export const Counters = restateStore<string, number>()("counters", {
 *   updaters: { add: (current, by: number) => (current ?? 0) + by },
 * });
 * restate.serve({ services: [Counters], port: 9080 });
 * ```
 */
export function restateStore<K, V>(): RestateStoreFactory<K, V> {
  return ((name: string, options: RestateStoreOptions<unknown> = {}) => {
    assertServiceRuntime("create restateStore");
    nonEmptyName(name, "name", "create restateStore");
    const updaters = (options.updaters ?? {}) as Record<string, unknown>;
    if (typeof updaters !== "object" || updaters === null) {
      throw new TypeError(
        `Cannot create restateStore: updaters must be an object of functions, received ${
          describe(updaters)
        }`,
      );
    }
    for (const [updater, fn] of Object.entries(updaters)) {
      if (typeof fn !== "function") {
        throw new TypeError(
          `Cannot create restateStore: updater "${updater}" must be a function, received ${
            describe(fn)
          }`,
        );
      }
    }
    const exclusive = (fn: RestateHandler): RestateHandler =>
      restate.handlers.object.exclusive(
        async (ctx: restate.ObjectContext, input: unknown) => {
          try {
            return await fn(ctx, input);
          } catch (error) {
            throw asAnswer(error);
          }
        },
      ) as RestateHandler;
    const shared = (
      fn: (
        ctx: restate.ObjectSharedContext,
        input: unknown,
      ) => Promise<unknown>,
    ): RestateHandler =>
      restate.handlers.object.shared(
        async (ctx: restate.ObjectSharedContext, input: unknown) => {
          try {
            return await fn(ctx, input);
          } catch (error) {
            throw asAnswer(error);
          }
        },
      ) as unknown as RestateHandler;
    const read = async (
      ctx: restate.ObjectSharedContext,
      key: unknown,
    ): Promise<[unknown] | null> =>
      await ctx.get<[unknown]>(entryName(key)) ?? null;
    const entryNames = async (ctx: restate.ObjectSharedContext) =>
      (await ctx.stateKeys()).filter((n) => n.startsWith(PREFIX));

    const handlers: Record<string, RestateHandler> = {
      get: shared(async (ctx, input) => {
        const key = keyOf(inputObject(input, "get"), "get");
        return { value: (await read(ctx, key))?.[0] };
      }),
      has: shared(async (ctx, input) => {
        const key = keyOf(inputObject(input, "has"), "has");
        return { value: (await read(ctx, key)) !== null };
      }),
      size: shared(async (ctx) => ({ value: (await entryNames(ctx)).length })),
      entries: shared(async (ctx) => {
        const entries: [unknown, unknown][] = [];
        for (const n of await entryNames(ctx)) {
          const boxed = await ctx.get<[unknown]>(n);
          if (boxed) {
            entries.push([JSON.parse(n.slice(PREFIX.length)), boxed[0]]);
          }
        }
        return { value: entries };
      }),
      set: exclusive((ctx, input) => {
        const command = inputObject(input, "set");
        const key = keyOf(command, "set");
        if (command.value === undefined) {
          throw new TypeError(
            `Cannot set: the value must be JSON, received undefined`,
          );
        }
        ctx.set(entryName(key), [command.value]);
        return Promise.resolve({});
      }),
      delete: exclusive(async (ctx, input) => {
        const key = keyOf(inputObject(input, "delete"), "delete");
        const had = (await read(ctx, key)) !== null;
        ctx.clear(entryName(key));
        return { value: had };
      }),
      clear: exclusive(async (ctx) => {
        for (const n of await entryNames(ctx)) ctx.clear(n);
        return {};
      }),
      update: exclusive(async (ctx, input) => {
        const command = inputObject(input, "update");
        const key = keyOf(command, "update");
        const { name: updater, args } = command;
        if (
          typeof updater !== "string" || !Object.hasOwn(updaters, updater)
        ) {
          throw new TypeError(
            `Cannot update: unknown updater (known: ${
              Object.keys(updaters).join(", ") || "none"
            }), received ${describe(updater)}`,
          );
        }
        if (!Array.isArray(args)) {
          throw new TypeError(
            `Cannot update: args must be an array, received ${describe(args)}`,
          );
        }
        const current = await read(ctx, key);
        const next = await (updaters[updater] as (
          this: RestateUpdaterContext<unknown>,
          ...a: unknown[]
        ) => unknown).call({ key }, current?.[0], ...args);
        if (next === undefined) {
          throw new TypeError(
            `Cannot update: updater "${updater}" must return a JSON value, received undefined`,
          );
        }
        ctx.set(entryName(key), [next]);
        return { value: next };
      }),
    };
    return restate.object({ name, handlers });
  }) as RestateStoreFactory<K, V>;
}
