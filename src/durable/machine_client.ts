import { Share } from "../core/share.ts";
import type { CommandOptions } from "../core/command.ts";
import { mergeCommandOptions } from "../core/with.ts";
import type { MachineSnapshot, MachineTransition } from "../machine/types.ts";
import { type WatchOptions, watchStub } from "./watch.ts";
import type { DurableMachineClass } from "./machine_object.ts";
import { Pipe } from "./pipe.ts";
import { stringName } from "../remote/names.ts";
import type { DurableNamespace } from "./types.ts";

/**
 * Options of {@linkcode machineClient}.
 *
 * @example
 * ```ts
 * import type { MachineClientOptions } from "@warden/core/durable";
 *
 * const options: MachineClientOptions = { name: "connection:42" };
 * console.log(options.name);
 * ```
 */
export interface MachineClientOptions {
  /** Which machine: one object per name. */
  name: string;
}

/**
 * The caller's side of a machine hosted by {@linkcode durableMachine}: the
 * API of a local `Machine` (`send`, `state`, `snapshot`, `can`), each a
 * command to the one object that owns the machine. A refused event rejects
 * with `TransitionError` (`from`, `event`), as locally. No `watch()`: the
 * machine is not in this process. Build one per request.
 *
 * @typeParam S The machine's state names.
 * @typeParam E The machine's event names.
 * @typeParam Ctx The machine's context.
 *
 * @example With a stand-in namespace (in a Worker: `env.CONNECTIONS`)
 * ```ts
 * import { durableMachine, machineClient, type DurableNamespace, type DurableStorage } from "@warden/core/durable";
 * import { TransitionError } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const Connection = durableMachine(() => ({
 *   initial: "idle",
 *   states: { idle: { on: { send: "inflight" } }, inflight: { on: { done: "idle" } } },
 * }));
 * const data = new Map<string, unknown>();
 * const storage: DurableStorage = {
 *   get: (key) => Promise.resolve(data.get(key)),
 *   put: (key, value) => Promise.resolve(void data.set(key, value)),
 *   delete: (key) => Promise.resolve(data.delete(key)),
 *   deleteAll: () => Promise.resolve(data.clear()),
 *   list: () => Promise.resolve(new Map(data)),
 * };
 * const object = new Connection({ storage, blockConcurrencyWhile: (fn) => fn() }, {});
 * const namespace: DurableNamespace = { idFromName: (n) => n, get: () => object };
 *
 * const conn = machineClient<typeof Connection>(namespace, { name: "conn:1" });
 * assert.equal(await conn.send("send"), "inflight");
 * await assert.rejects(conn.send("send"), TransitionError);
 * assert.deepEqual(data.get("machine"), { state: "inflight", context: undefined });
 * ```
 */
export class MachineClient<S extends string, E extends string, Ctx> {
  readonly #pipe: Pipe;
  readonly #defaults: CommandOptions | undefined;

  /**
   * Constructs a client. No request is made until the first command.
   *
   * @param namespace The Durable Object binding.
   * @param options Which machine.
   */
  constructor(namespace: DurableNamespace, options: MachineClientOptions) {
    // From `with()`: a second handle with other defaults (see Share).
    const adopt = Share.partsOf<MachineClientParts>(namespace);
    if (adopt !== undefined) {
      this.#pipe = adopt.pipe;
      this.#defaults = adopt.defaults;
      return;
    }
    this.#defaults = undefined;
    const name = stringName(options?.name, "name", "create MachineClient");
    let stub: ReturnType<DurableNamespace["get"]> | undefined;
    this.#pipe = new Pipe(() =>
      stub ??= namespace.get(namespace.idFromName(name) as never)
    );
  }

  /**
   * Sends an event; resolves the new state once it is in storage, or
   * rejects with `TransitionError` if the machine's state refuses it.
   *
   * @example
   * ```ts ignore
   * await conn.send("send"); // "inflight"
   * ```
   */
  send(event: E, payload?: unknown): Promise<S> {
    return this.#pipe.send(
      "send",
      payload === undefined ? [event] : [event, payload],
      this.#defaults,
    ) as Promise<S>;
  }

  /**
   * The state the machine is in.
   *
   * @example
   * ```ts ignore
   * console.log(await conn.state());
   * ```
   */
  state(): Promise<S> {
    return this.#pipe.send("state", [], this.#defaults) as Promise<S>;
  }

  /**
   * The state and a copy of the context.
   *
   * @example
   * ```ts ignore
   * const { state, context } = await conn.snapshot();
   * ```
   */
  snapshot(): Promise<MachineSnapshot<S, Ctx>> {
    return this.#pipe.send("snapshot", [], this.#defaults) as Promise<
      MachineSnapshot<S, Ctx>
    >;
  }

  /**
   * Every transition from now on, as `{ from, event, to }`, as
   * `Machine.watch()` gives locally, carried over a hibernatable WebSocket
   * to the object (which must be `durableMachine(config, { watchable: true })`).
   * A transition is sent once its snapshot is saved. A reader more than
   * `buffer` transitions behind gets an `OverflowError`; cancelling closes
   * the socket; the object closing it ends the stream. A dropped socket
   * reconnects and resumes: it continues if it missed nothing or exactly
   * one transition (delivered then), otherwise the stream errors with
   * `WatchGapError` (its `value` is the state now).
   *
   * @param options Buffer, retries, signal.
   * @returns The stream of transitions.
   *
   * @example In a Worker (needs a Durable Object binding)
   * ```ts ignore
   * import { durableMachine, machineClient } from "@warden/core/durable";
   *
   * export const Conns = durableMachine(() => ({
   *   initial: "idle",
   *   states: { idle: { on: { send: "inflight" } }, inflight: { on: { done: "idle" } } },
   * }), { watchable: true });
   *
   * // In a handler: env.CONNS is the Durable Object namespace bound to Conns.
   * const conn = machineClient<typeof Conns>(env.CONNS, { name: "c1" });
   * const transitions = conn.watch({ buffer: 64 });
   * for await (const { from, event, to } of transitions) {
   *   console.log(from, event, to); // "idle" "send" "inflight", ...
   * }
   * ```
   */
  watch(options: WatchOptions = {}): ReadableStream<MachineTransition<S, E>> {
    const pipe = this.#pipe;
    return watchStub<MachineTransition<S, E>>(
      () => pipe.stub(),
      undefined,
      options,
    );
  }

  /**
   * Whether the machine would accept `event` now.
   *
   * @example
   * ```ts ignore
   * if (await conn.can("done")) await conn.send("done");
   * ```
   */
  can(event: E, payload?: unknown): Promise<boolean> {
    return this.#pipe.send(
      "can",
      payload === undefined ? [event] : [event, payload],
      this.#defaults,
    ) as Promise<boolean>;
  }
  /**
   * The same client, with options for every command sent through the
   * returned object: an abort signal and a time limit (see
   * `StoreClient.with()`).
   *
   * @example
   * ```ts ignore
   * await conn.with({ signal: AbortSignal.timeout(500) }).send("send");
   * ```
   */
  with(options: CommandOptions): MachineClient<S, E, Ctx> {
    return sharedMachineClient<S, E, Ctx>({
      pipe: this.#pipe,
      defaults: mergeCommandOptions(
        this.#defaults,
        options,
        "MachineClient.with()",
      ),
    });
  }
}

/** What a `with()` copy shares with the client it was made from. */
type MachineClientParts = { pipe: Pipe; defaults: CommandOptions };

/**
 * The copy `with()` returns, made outside the class on purpose: a class body
 * that names its own class is renamed by esbuild (`var MachineClient = class
 * _MachineClient`), and messages would then say "_MachineClient".
 */
function sharedMachineClient<S extends string, E extends string, Ctx>(
  parts: MachineClientParts,
): MachineClient<S, E, Ctx> {
  return new MachineClient<S, E, Ctx>(
    new Share(parts) as never,
    undefined as never,
  );
}

/**
 * A {@linkcode MachineClient} typed from the Durable Object class:
 * `machineClient<typeof Connection>(env.CONNECTIONS, { name })`.
 *
 * @typeParam C The class {@linkcode durableMachine} made.
 * @param namespace The Durable Object binding.
 * @param options Which machine.
 * @returns The client.
 *
 * @example
 * ```ts
 * import { durableMachine, machineClient, type DurableNamespace } from "@warden/core/durable";
 *
 * const Door = durableMachine(() => ({
 *   initial: "shut",
 *   states: { shut: { on: { open: "open" } }, open: { on: { shut: "shut" } } },
 * }));
 * const namespace = {} as DurableNamespace; // env.DOORS in a Worker
 * const door = machineClient<typeof Door>(namespace, { name: "front" });
 * // door.send("open") is typed; door.send("fly") is a compile error.
 * console.log(typeof door.send);
 * ```
 */
export function machineClient<
  // deno-lint-ignore no-explicit-any
  C extends DurableMachineClass<any, any, any, any>,
>(
  namespace: DurableNamespace,
  options: MachineClientOptions,
): MachineClient<StateOf<C>, EventOf<C>, ContextOf<C>> {
  return new MachineClient(namespace, options);
}

/** The state names of a {@linkcode durableMachine} class. */
export type StateOf<C> = C extends
  DurableMachineClass<infer S, infer _E, infer _C, infer _Env> ? S : never;
/** The event names of a {@linkcode durableMachine} class. */
export type EventOf<C> = C extends
  DurableMachineClass<infer _S, infer E, infer _C, infer _Env> ? E : never;
/** The context of a {@linkcode durableMachine} class. */
export type ContextOf<C> = C extends
  DurableMachineClass<infer _S, infer _E, infer Ctx, infer _Env> ? Ctx
  : never;
