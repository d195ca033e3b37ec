import type { Clock } from "../core/clock.ts";
import type { CommandOptions } from "../core/command.ts";
import type { Machine } from "../machine/machine.ts";
import type { MachineSnapshot, MachineTransition } from "../machine/types.ts";
import type { ArgsOf, ItemOf, Owner, ReplyOf, StreamOps } from "../owner.ts";
import type { Store } from "../store.ts";

// The public types of `connect()`: its options and the handles it returns.

/**
 * Options for {@linkcode connect}.
 *
 * @example
 * ```ts
 * import type { ConnectOptions } from "@warden/core/workers";
 *
 * const options: ConnectOptions = { timeout: 5_000, readAhead: 64 };
 * ```
 */
export interface ConnectOptions {
  /**
   * Which served owner to reach, when one endpoint serves several
   * (`serve(target, endpoint, { name })`).
   *
   * @default {""}
   */
  name?: string;
  /**
   * Milliseconds every command may take, round trip included, before it
   * rejects with `TimeoutError` (and is cancelled on the serving side).
   *
   * @default {Infinity}
   */
  timeout?: number;
  /**
   * Items a streamed reply (`entries()`, `watch()`, `stream()`) may send
   * ahead of its reader. The serving side waits for room beyond that.
   *
   * @default {256}
   */
  readAhead?: number;
  /** Timers for timeouts. @default {the runtime's timers} */
  clock?: Clock;
  /**
   * Called once per command (`ask`, `stream`, `get`, `send`, `watch`, …),
   * synchronously inside the call, on this thread: the record it returns
   * travels with that command, and the serving side runs the command's
   * submission inside its `enter` (`serve(target, endpoint, { enter })`). For
   * trace context: return what `propagation.inject()` wrote.
   *
   * The record must be a plain object of at most 32 entries, each key and
   * value a string of at most 1,024 characters; it is copied at the call.
   * Anything else (or `undefined`) sends the command with no context. If
   * `carry` throws, that command rejects with a `TypeError` whose `cause`
   * is the thrown value, and is not sent. Without `carry`, nothing is
   * added to a command.
   *
   * @default {undefined}
   *
   * @example Carry a request id to the owning thread
   * ```ts
   * import { Owner } from "@warden/core";
   * import { connect, serve } from "@warden/core/workers";
   * import assert from "node:assert/strict";
   *
   * let requestId = "";  // this thread's current request (an AsyncLocalStorage in real use)
   * const seen: string[] = [];
   * const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n });
   * const { port1, port2 } = new MessageChannel();
   * const serving = serve(owner, port1, {
   *   enter: (carried, run) => {
   *     seen.push(carried.request);
   *     return run();
   *   },
   * });
   * const remote = connect<typeof owner>(port2, {
   *   carry: () => ({ request: requestId }),
   * });
   * requestId = "r-1";
   * assert.equal(await remote.ask("incr"), 1);
   * assert.deepEqual(seen, ["r-1"]);
   * await remote.close();
   * serving.close();
   * port1.close();
   * await owner.close();
   * ```
   */
  carry?: () => Record<string, string> | undefined;
}

/** What every remote handle has. */
export interface RemoteBase {
  /**
   * The same connection, with options for every command sent through the
   * returned handle: an abort signal and a time limit. Aborting rejects at
   * once here and cancels the command on the serving side.
   */
  with(options: CommandOptions): this;
  /**
   * Ends this connection: pending commands reject with `ClosedError`, open
   * streams error with it. The served owner is not affected. Idempotent.
   */
  close(): Promise<void>;
  /** Resolves once the connection has ended, from either side. */
  readonly closed: Promise<void>;
  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A served {@linkcode Owner}, from another thread: `ask` and `stream`,
 * typed from the owner's handlers.
 *
 * @typeParam H The owner's handler table.
 *
 * @example
 * ```ts
 * import { Owner } from "@warden/core";
 * import { connect, type RemoteOwner, serve } from "@warden/core/workers";
 * import assert from "node:assert/strict";
 *
 * const owner = new Owner({ n: 0 }, { add: (s, by: number) => (s.n += by) });
 * const { port1, port2 } = new MessageChannel();
 * const serving = serve(owner, port1);
 * const remote: RemoteOwner<{ add: (s: { n: number }, by: number) => number }> =
 *   connect<typeof owner>(port2);
 * assert.equal(await remote.ask("add", 2), 2);
 * await remote.close();
 * serving.close();
 * port1.close();
 * ```
 */
export interface RemoteOwner<H> extends RemoteBase {
  /** As {@linkcode Owner.ask}. Arguments and reply must be cloneable. */
  ask<K extends keyof H & string>(
    op: K,
    ...args: ArgsOf<H[K]>
  ): Promise<ReplyOf<H[K]>>;
  /** As {@linkcode Owner.stream}, with backpressure across the threads. */
  stream<K extends StreamOps<H>>(
    op: K,
    ...args: ArgsOf<H[K]>
  ): ReadableStream<ItemOf<H[K]>>;
}

/**
 * A served {@linkcode Store}, from another thread. Everything but
 * `update(key, fn)`: a function cannot cross a thread, so it is not part
 * of this type, and calling it from untyped code rejects with a
 * `TypeError`. Serve an `Owner` with the read-modify-write as a handler
 * instead.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 *
 * @example
 * ```ts
 * import { Store } from "@warden/core";
 * import { connect, serve } from "@warden/core/workers";
 * import assert from "node:assert/strict";
 *
 * const store = new Store<string, number>();
 * const { port1, port2 } = new MessageChannel();
 * const serving = serve(store, port1);
 * const remote = connect<typeof store>(port2);
 * await remote.set("a", 1);
 * assert.equal(await store.get("a"), 1);
 * await remote.close();
 * serving.close();
 * port1.close();
 * ```
 */
export interface RemoteStore<K, V> extends RemoteBase {
  /** As {@linkcode Store.get}. */
  get(key: K): Promise<V | undefined>;
  /** As {@linkcode Store.set}. */
  set(key: K, value: V): Promise<void>;
  /** As {@linkcode Store.has}. */
  has(key: K): Promise<boolean>;
  /** As {@linkcode Store.delete}. */
  delete(key: K): Promise<boolean>;
  /** As {@linkcode Store.size}. */
  size(): Promise<number>;
  /** As {@linkcode Store.clear}. */
  clear(): Promise<void>;
  /** As {@linkcode Store.entries}, with backpressure across the threads. */
  entries(): ReadableStream<[K, V]>;
  /** As {@linkcode Store.watch}: a slow reader overflows on the owner's side. */
  watch(key: K): ReadableStream<V | undefined>;
}

/**
 * A served {@linkcode Machine}, from another thread.
 *
 * @typeParam S The state names.
 * @typeParam E The event names.
 * @typeParam Ctx The context.
 *
 * @example
 * ```ts
 * import { Machine } from "@warden/core";
 * import { connect, serve } from "@warden/core/workers";
 * import assert from "node:assert/strict";
 *
 * const light = new Machine({
 *   initial: "off",
 *   states: { off: { on: { flip: "on" } }, on: { on: { flip: "off" } } },
 * });
 * const { port1, port2 } = new MessageChannel();
 * const serving = serve(light, port1);
 * const remote = connect<typeof light>(port2);
 * assert.equal(await remote.send("flip"), "on");
 * assert.equal(await remote.can("flip"), true);
 * await remote.close();
 * serving.close();
 * port1.close();
 * await light.close();
 * ```
 */
export interface RemoteMachine<S extends string, E extends string, Ctx>
  extends RemoteBase {
  /** As {@linkcode Machine.send}. The payload must be cloneable. */
  send(event: E, payload?: unknown): Promise<S>;
  /** As {@linkcode Machine.state}. */
  state(): Promise<S>;
  /** As {@linkcode Machine.snapshot}. */
  snapshot(): Promise<MachineSnapshot<S, Ctx>>;
  /** As {@linkcode Machine.can}. */
  can(event: E, payload?: unknown): Promise<boolean>;
  /** As {@linkcode Machine.watch}. */
  watch(): ReadableStream<MachineTransition<S, E>>;
}

/**
 * The remote handle `connect<T>()` returns for a served `T`.
 *
 * @typeParam T The served object's type: `typeof owner`, an `Owner<…>`,
 *   `Store<K, V>` or `Machine<S, E, Ctx>`.
 *
 * @example
 * ```ts
 * import type { Store } from "@warden/core";
 * import type { Remote } from "@warden/core/workers";
 *
 * type Counts = Remote<Store<string, number>>; // RemoteStore<string, number>
 * ```
 */
export type Remote<T> = T extends Owner<infer _S, infer H> ? RemoteOwner<H>
  : T extends Store<infer K, infer V> ? RemoteStore<K, V>
  : T extends Machine<infer S extends string, infer E extends string, infer Ctx>
    ? RemoteMachine<S, E, Ctx>
  : never;
