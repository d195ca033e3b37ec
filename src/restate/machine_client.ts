import { Share } from "../core/share.ts";
import type { MachineSnapshot } from "../machine/types.ts";
import { nonEmptyName } from "../remote/names.ts";
import { call, type CallOptions } from "./ingress.ts";
import type { RestateMachineDefinition } from "./machine_object.ts";
import {
  mergeRestateOptions,
  type RestateCommandOptions,
  targetOf,
} from "./command_options.ts";

/**
 * Options of {@linkcode machineClient} and of the `RestateMachineClient`
 * constructor.
 *
 * @example
 * ```ts
 * import type { RestateMachineClientOptions } from "@warden/core/restate";
 *
 * const options: RestateMachineClientOptions = { service: "door", name: "front" };
 * console.log(options.name);
 * ```
 */
export interface RestateMachineClientOptions {
  /** The virtual object's name, as given to `restateMachine(name)`. */
  service: string;
  /** Which machine: the object key. */
  name: string;
  /**
   * Headers sent with every call.
   *
   * @default {{}}
   */
  headers?: Record<string, string>;
  /**
   * The time limit of every command, in milliseconds, unless `with()`
   * overrides it (the ingress holds calls while a service is down).
   *
   * @default {30000}
   */
  timeout?: number;
  /**
   * The `fetch` to call the ingress with.
   *
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
}

interface Shared {
  target: ReturnType<typeof targetOf>;
  service: string;
  name: string;
}

/**
 * The caller's side of a machine hosted by {@linkcode restateMachine}: the
 * API of a local `Machine` (`send`, `state`, `snapshot`, `can`), each one
 * Restate invocation. A refused event rejects with `TransitionError`
 * (`from`, `event`), as locally, and the machine's state is unchanged. No
 * `watch()`. Every command has a time limit and an idempotency key (see
 * `RestateStoreClient`).
 *
 * @typeParam S The machine's state names.
 * @typeParam E The machine's event names.
 * @typeParam Ctx The machine's context.
 *
 * @example
 * ```ts ignore
 * import { machineClient } from "@warden/core/restate";
 * import type { Door } from "./service.ts";
 *
 * const door = machineClient<typeof Door>("http://127.0.0.1:8080", { service: "door", name: "front" });
 * console.log(await door.send("open")); // "open"
 * ```
 */
export class RestateMachineClient<S extends string, E extends string, Ctx> {
  readonly #shared: Shared;
  readonly #defaults: RestateCommandOptions;

  /**
   * Constructs a client. No request is made until the first command.
   *
   * @param ingress The Restate ingress URL.
   * @param options The object's name and which machine.
   */
  constructor(ingress: string, options: RestateMachineClientOptions) {
    // From `with()`: a second handle with other defaults (see Share).
    const adopt = Share.partsOf<RestateMachineClientParts>(ingress);
    if (adopt !== undefined) {
      this.#shared = adopt.shared;
      this.#defaults = adopt.defaults;
      return;
    }
    const target = targetOf(ingress, options ?? {}, "RestateMachineClient");
    const action = "create RestateMachineClient";
    const service = nonEmptyName(options?.service, "service", action);
    const name = nonEmptyName(options.name, "name", action);
    this.#defaults = mergeRestateOptions({}, {
      timeout: options.timeout ?? 30_000,
    }, "RestateMachineClient");
    this.#shared = { target, service, name };
  }

  /**
   * Sends an event; resolves the new state once it is in Restate's state,
   * or rejects with `TransitionError` if the machine's state refuses it.
   *
   * @example
   * ```ts ignore
   * await door.send("open"); // "open"
   * ```
   */
  send(event: E, payload?: unknown): Promise<S> {
    return this.#call(
      "send",
      payload === undefined ? { event } : { event, payload },
    ) as Promise<S>;
  }

  /**
   * The state the machine is in (a shared handler: the last committed
   * snapshot).
   *
   * @example
   * ```ts ignore
   * console.log(await door.state());
   * ```
   */
  state(): Promise<S> {
    return this.#call("state", {}) as Promise<S>;
  }

  /**
   * The state and the context.
   *
   * @example
   * ```ts ignore
   * const { state, context } = await door.snapshot();
   * ```
   */
  snapshot(): Promise<MachineSnapshot<S, Ctx>> {
    return this.#call("snapshot", {}) as Promise<MachineSnapshot<S, Ctx>>;
  }

  /**
   * Whether the machine would accept `event` now.
   *
   * @example
   * ```ts ignore
   * if (await door.can("shut")) await door.send("shut");
   * ```
   */
  can(event: E, payload?: unknown): Promise<boolean> {
    return this.#call(
      "can",
      payload === undefined ? { event } : { event, payload },
    ) as Promise<boolean>;
  }

  /**
   * The same client, with options for every command sent through the
   * returned object: an abort signal, a time limit, an idempotency key.
   *
   * @example
   * ```ts ignore
   * await door.with({ timeout: 500, idempotencyKey: "open-1" }).send("open");
   * ```
   */
  with(options: RestateCommandOptions): RestateMachineClient<S, E, Ctx> {
    return sharedRestateMachineClient<S, E, Ctx>({
      shared: this.#shared,
      defaults: mergeRestateOptions(
        this.#defaults,
        options,
        "RestateMachineClient.with()",
      ),
    });
  }

  #call(handler: string, input: unknown): Promise<unknown> {
    return call(
      this.#shared.target,
      this.#shared.service,
      this.#shared.name,
      handler,
      input,
      this.#defaults as CallOptions,
    );
  }
}

/** What a `with()` copy shares with the client it was made from. */
type RestateMachineClientParts = {
  shared: Shared;
  defaults: RestateCommandOptions;
};

/**
 * The copy `with()` returns, made outside the class on purpose: a class body
 * that names its own class is renamed by esbuild (`var RestateMachineClient
 * = class _RestateMachineClient`), and messages would then say
 * "_RestateMachineClient".
 */
function sharedRestateMachineClient<S extends string, E extends string, Ctx>(
  parts: RestateMachineClientParts,
): RestateMachineClient<S, E, Ctx> {
  return new RestateMachineClient<S, E, Ctx>(
    new Share(parts) as never,
    undefined as never,
  );
}

/**
 * A {@linkcode RestateMachineClient} typed from the object definition:
 * `machineClient<typeof Door>(ingress, { service: "door", name })`.
 *
 * @typeParam D The definition {@linkcode restateMachine} made.
 * @param ingress The Restate ingress URL.
 * @param options The object's name and which machine.
 * @returns The client.
 *
 * @example
 * ```ts
 * import { machineClient, type RestateMachineDefinition } from "@warden/core/restate";
 *
 * type Door = RestateMachineDefinition<"shut" | "open", "open" | "shut", undefined>;
 * const door = machineClient<Door>("http://127.0.0.1:8080", { service: "door", name: "front" });
 * // door.send("open") is typed; door.send("fly") is a compile error.
 * console.log(typeof door.send);
 * ```
 */
export function machineClient<
  // deno-lint-ignore no-explicit-any
  D extends RestateMachineDefinition<any, any, any>,
>(
  ingress: string,
  options: RestateMachineClientOptions,
): RestateMachineClient<StateOf<D>, EventOf<D>, ContextOf<D>> {
  return new RestateMachineClient(ingress, options);
}

/** The state names of a {@linkcode restateMachine} definition. */
export type StateOf<D> =
  NonNullable<D extends { "~types"?: infer T } ? T : never> extends
    { state: infer S extends string } ? S
    : never;
/** The event names of a {@linkcode restateMachine} definition. */
export type EventOf<D> =
  NonNullable<D extends { "~types"?: infer T } ? T : never> extends
    { event: infer E extends string } ? E
    : never;
/** The context of a {@linkcode restateMachine} definition. */
export type ContextOf<D> =
  NonNullable<D extends { "~types"?: infer T } ? T : never> extends
    { context: infer C } ? C : never;
