import { type Clock, systemClock } from "../core/clock.ts";
import { ClientLink } from "./channel.ts";
import type { CommandOptions } from "../core/command.ts";
import { describe } from "../core/describe.ts";
import { type Endpoint, post, serviceName } from "./endpoint.ts";
import { ClosedError, TimeoutError } from "../core/errors.ts";
import type { Machine } from "../machine/machine.ts";
import type { MachineSnapshot, MachineTransition } from "../machine/types.ts";
import type { ArgsOf, ItemOf, Owner, ReplyOf, StreamOps } from "../owner.ts";
import type { Store } from "../store.ts";
import { positiveInteger, timeoutValue } from "../core/validate.ts";
import { mergeCommandOptions } from "../core/with.ts";
import {
  argsCross,
  CALL,
  CANCEL,
  type ClientMessage,
  CLOSED,
  CONNECT_TAG,
  CREDIT,
  END,
  FAIL,
  fromWire,
  ITEMS,
  notCloneable,
  OK,
  type ServerMessage,
  STREAM,
  WATCH,
} from "./wire.ts";

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

/**
 * Connects to an owner served (with {@linkcode serve}) in another thread,
 * through `endpoint`: from a worker, `self` (or Node's `parentPort`); from
 * the main thread, the `Worker`. The handle has the served object's API,
 * typed by `T`; commands can be sent at once (they wait for the handshake).
 *
 * Arguments, replies and streamed items cross by structured clone: a value
 * that cannot (a function) rejects that command with a `DataCloneError`.
 * Errors cross as the same class with the same message and data
 * (`ClosedError`, `OverflowError`, `TimeoutError`, `TransitionError`,
 * `TypeError`, `RangeError`, …).
 *
 * Close the handle when done: an open connection keeps a worker alive.
 *
 * @typeParam T The served object's type, e.g. `typeof counter`.
 * @param endpoint Where the owner is served from.
 * @param options Default timeout, streamed replies' read-ahead, clock.
 * @returns A handle with the served object's API.
 *
 * @example
 * ```ts
 * import { Owner } from "@warden/core";
 * import { connect, serve } from "@warden/core/workers";
 * import assert from "node:assert/strict";
 *
 * const counter = new Owner({ n: 0 }, {
 *   incr: (s) => ++s.n,
 *   upTo: (s, n: number) => Array.from({ length: n }, (_, i) => i + s.n),
 * });
 * const { port1, port2 } = new MessageChannel();
 * const serving = serve(counter, port1);
 *
 * const remote = connect<typeof counter>(port2); // usually in a Worker
 * const replies = await Promise.all([remote.ask("incr"), remote.ask("incr")]);
 * assert.deepEqual(replies, [1, 2]);
 * const items: number[] = [];
 * for await (const i of remote.stream("upTo", 3)) items.push(i);
 * assert.deepEqual(items, [2, 3, 4]);
 * await remote.close();
 * serving.close();
 * port1.close();
 * ```
 */
export function connect<T>(
  endpoint: Endpoint,
  options: ConnectOptions = {},
): Remote<T> {
  const connection = new Connection(endpoint, options);
  return new Client(connection, connection.defaults) as unknown as Remote<T>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  readonly op: string;
  readonly args: readonly unknown[];
}

/** The client's side of one channel: ids, pending replies, open streams. */
class Connection {
  readonly #link: ClientLink;
  readonly #calls = new Map<number, Pending>();
  readonly #streams = new Map<number, Incoming>();
  readonly readAhead: number;
  readonly clock: Clock;
  readonly defaults: CommandOptions | undefined;
  #id = 0;
  #reason: string | undefined = undefined;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(endpoint: Endpoint, options: ConnectOptions) {
    const action = "connect";
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot connect: options must be an object, received ${
          describe(options)
        }`,
      );
    }
    if (
      typeof endpoint !== "object" || endpoint === null ||
      typeof endpoint.postMessage !== "function"
    ) {
      throw new TypeError(
        `Cannot connect: endpoint must have postMessage (self, parentPort, a Worker or a MessagePort), received ${
          describe(endpoint)
        }`,
      );
    }
    this.readAhead = positiveInteger(
      options.readAhead ?? 256,
      "readAhead",
      action,
    );
    this.clock = options.clock ?? systemClock;
    this.defaults = options.timeout === undefined
      ? undefined
      : { timeout: timeoutValue(options.timeout, action) };
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    const name = serviceName(options.name, action);
    this.#link = new ClientLink((port) =>
      post(endpoint, { [CONNECT_TAG]: 1, port, name }, [port])
    );
    this.#link.onBatch = (batch) => this.#receive(batch);
    this.#link.onLost = (reason) => this.#end(reason);
    this.#link.onUnsent = (batch, error) => {
      for (const message of batch) {
        if (message.t === CALL) this.#settle(message.id, false, error);
        else if (message.t === STREAM || message.t === WATCH) {
          this.#streams.get(message.id)?.fail(error);
        }
      }
    };
  }

  send(message: ClientMessage): void {
    this.#link.send(message);
  }

  call(
    op: string,
    args: readonly unknown[],
    options: CommandOptions | undefined,
  ): Promise<unknown> {
    if (this.#reason !== undefined) {
      return Promise.reject(this.#refusal(op, args, this.#reason));
    }
    if (!argsCross(args)) {
      return Promise.reject(notCloneable(`the arguments of "${op}"`));
    }
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, op, args };
      if (options === undefined) {
        this.#calls.set(id, pending);
        this.#link.send({ t: CALL, id, op, args });
        return;
      }
      if (!this.#arm(id, pending, options)) return;
      this.#calls.set(id, pending);
      this.#link.send({ t: CALL, id, op, args, s: 1 });
    });
  }

  open<T>(
    kind: typeof STREAM | typeof WATCH,
    op: string,
    args: readonly unknown[],
    options: CommandOptions | undefined,
  ): ReadableStream<T> {
    const id = ++this.#id;
    const incoming = new Incoming(this, id, this.readAhead);
    incoming.op = op;
    if (this.#reason !== undefined) {
      incoming.fail(this.#refusal(op, args, this.#reason));
      return incoming.readable as ReadableStream<T>;
    }
    if (!argsCross(args)) {
      incoming.fail(notCloneable(`the arguments of "${op}"`));
      return incoming.readable as ReadableStream<T>;
    }
    const signal = options?.signal;
    if (signal?.aborted) {
      incoming.fail(signal.reason);
      return incoming.readable as ReadableStream<T>;
    }
    const onAbort = () => {
      if (this.#streams.get(id) !== incoming) return;
      incoming.fail(signal!.reason);
      this.cancel(id);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    // The time limit covers the command, as locally: until the stream's
    // first message (the snapshot taken, the watcher subscribed).
    const timeout = options?.timeout;
    let timer: unknown = undefined;
    if (timeout !== undefined && timeout !== Infinity) {
      timer = this.clock.setTimeout(() => {
        timer = undefined;
        if (this.#streams.get(id) !== incoming) return;
        incoming.fail(
          new TimeoutError(`Command "${op}" timed out after ${timeout} ms`, {
            timeout,
            command: { op, args },
          }),
        );
        this.cancel(id);
      }, timeout);
    }
    const disarm = () => {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      timer = undefined;
    };
    incoming.onStart = disarm;
    incoming.onEnd = () => {
      disarm();
      signal?.removeEventListener("abort", onAbort);
    };
    this.#streams.set(id, incoming);
    this.#link.send({ t: kind, id, op, args, credit: this.readAhead });
    return incoming.readable as ReadableStream<T>;
  }

  /** A stream's reader cancelled: tell the serving side. */
  cancel(id: number): void {
    if (this.#streams.delete(id)) this.#link.send({ t: CANCEL, id });
  }

  close(): Promise<void> {
    if (this.#reason === undefined) {
      this.#end("the connection is closed");
      this.#link.close();
    }
    return this.closed;
  }

  /** Arms a command's signal and timeout; false if it is already over. */
  #arm(id: number, pending: Pending, options: CommandOptions): boolean {
    const { signal, timeout } = options;
    if (signal?.aborted) {
      pending.reject(signal.reason);
      return false;
    }
    const { resolve, reject, op, args } = pending;
    let timer: unknown = undefined;
    const onAbort = () => this.#giveUp(id, signal!.reason);
    const disarm = () => {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    pending.resolve = (value) => {
      disarm();
      resolve(value);
    };
    pending.reject = (reason) => {
      disarm();
      reject(reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeout !== undefined && timeout !== Infinity) {
      timer = this.clock.setTimeout(() =>
        this.#giveUp(
          id,
          new TimeoutError(`Command "${op}" timed out after ${timeout} ms`, {
            timeout,
            command: { op, args },
          }),
        ), timeout);
    }
    return true;
  }

  #giveUp(id: number, reason: unknown): void {
    if (this.#settle(id, false, reason)) this.#link.send({ t: CANCEL, id });
  }

  #settle(id: number, ok: boolean, value: unknown): boolean {
    const pending = this.#calls.get(id);
    if (pending === undefined) return false;
    this.#calls.delete(id);
    if (ok) pending.resolve(value);
    else pending.reject(value);
    return true;
  }

  #receive(batch: ServerMessage[]): void {
    for (let i = 0; i < batch.length; i++) {
      const message = batch[i];
      switch (message.t) {
        case OK:
          this.#settle(message.id, true, message.v);
          break;
        case FAIL: {
          const error = fromWire(message.e);
          if (!this.#settle(message.id, false, error)) {
            const incoming = this.#streams.get(message.id);
            this.#streams.delete(message.id);
            incoming?.fail(error);
          }
          break;
        }
        case ITEMS:
          this.#streams.get(message.id)?.push(message.items);
          break;
        case END: {
          const incoming = this.#streams.get(message.id);
          this.#streams.delete(message.id);
          incoming?.end();
          break;
        }
        case CLOSED:
          this.#end(message.reason);
          this.#link.close();
          return;
      }
    }
  }

  #refusal(op: string, args: readonly unknown[], reason: string): ClosedError {
    return new ClosedError(`Cannot run "${op}": ${reason}`, {
      command: { op, args },
    });
  }

  #end(reason: string): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const pending of calls) {
      pending.reject(this.#refusal(pending.op, pending.args, reason));
    }
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const incoming of streams) {
      incoming.fail(this.#refusal(incoming.op, [], reason));
    }
    this.#resolveClosed();
  }
}

/** A streamed reply arriving: a reader-paced stream granting credit. */
class Incoming {
  readonly #connection: Connection;
  readonly #id: number;
  readonly #readAhead: number;
  #controller!: ReadableStreamDefaultController<unknown>;
  /** Credit granted that items have not used yet. */
  #outstanding: number;
  #over = false;
  op = "stream";
  onEnd: (() => void) | undefined = undefined;
  /** Called at the first message from the serving side. */
  onStart: (() => void) | undefined = undefined;
  #started = false;
  readonly readable: ReadableStream<unknown>;

  constructor(connection: Connection, id: number, readAhead: number) {
    this.#connection = connection;
    this.#id = id;
    this.#readAhead = readAhead;
    this.#outstanding = readAhead;
    this.readable = new ReadableStream<unknown>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => this.#pull(),
      cancel: () => {
        this.#finish();
        this.#connection.cancel(this.#id);
      },
    }, new CountQueuingStrategy({ highWaterMark: readAhead }));
  }

  push(items: unknown[]): void {
    if (this.#over) return;
    this.#start();
    this.#outstanding -= items.length;
    for (let i = 0; i < items.length; i++) this.#controller.enqueue(items[i]);
  }

  end(): void {
    if (this.#over) return;
    this.#finish();
    this.#controller.close();
  }

  fail(reason: unknown): void {
    if (this.#over) return;
    this.#finish();
    this.#controller.error(reason);
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    const onStart = this.onStart;
    this.onStart = undefined;
    onStart?.();
  }

  #finish(): void {
    this.#started = true;
    this.onStart = undefined;
    this.#over = true;
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
  }

  #pull(): void {
    if (this.#over) return;
    const room = (this.#controller.desiredSize ?? 0) - this.#outstanding;
    if (room >= Math.max(1, this.#readAhead >> 1)) {
      this.#outstanding += room;
      this.#connection.send({ t: CREDIT, id: this.#id, n: room });
    }
  }
}

/**
 * The handle `connect()` returns: every method of every servable kind;
 * `Remote<T>` shows the ones that fit the served type.
 */
class Client {
  readonly #connection: Connection;
  readonly #options: CommandOptions | undefined;

  constructor(connection: Connection, options: CommandOptions | undefined) {
    this.#connection = connection;
    this.#options = options;
  }

  #call(op: string, args: readonly unknown[]): Promise<unknown> {
    return this.#connection.call(op, args, this.#options);
  }

  #open(
    kind: typeof STREAM | typeof WATCH,
    op: string,
    args: readonly unknown[],
  ): ReadableStream<unknown> {
    return this.#connection.open(kind, op, args, this.#options);
  }

  // Owner
  ask(op: string, ...args: unknown[]): Promise<unknown> {
    return this.#call(op, args);
  }
  stream(op: string, ...args: unknown[]): ReadableStream<unknown> {
    return this.#open(STREAM, op, args);
  }

  // Store
  get(key: unknown): Promise<unknown> {
    return this.#call("get", [key]);
  }
  set(key: unknown, value: unknown): Promise<unknown> {
    return this.#call("set", [key, value]);
  }
  has(key: unknown): Promise<unknown> {
    return this.#call("has", [key]);
  }
  delete(key: unknown): Promise<unknown> {
    return this.#call("delete", [key]);
  }
  size(): Promise<unknown> {
    return this.#call("size", []);
  }
  clear(): Promise<unknown> {
    return this.#call("clear", []);
  }
  entries(): ReadableStream<unknown> {
    return this.#open(STREAM, "entries", []);
  }
  update(key: unknown, fn: unknown): Promise<never> {
    return Promise.reject(
      new TypeError(
        `Cannot update across threads: fn cannot be sent to another thread, received ${
          describe(fn)
        } for key ${
          describe(key)
        }; serve an Owner with the read-modify-write as a handler, or update() in the owning thread`,
      ),
    );
  }

  // Store and Machine
  watch(...args: unknown[]): ReadableStream<unknown> {
    return this.#open(WATCH, "watch", args);
  }

  // Machine
  send(event: unknown, payload?: unknown): Promise<unknown> {
    return this.#call(
      "send",
      payload === undefined ? [event] : [event, payload],
    );
  }
  state(): Promise<unknown> {
    return this.#call("state", []);
  }
  snapshot(): Promise<unknown> {
    return this.#call("snapshot", []);
  }
  can(event: unknown, payload?: unknown): Promise<unknown> {
    return this.#call(
      "can",
      payload === undefined ? [event] : [event, payload],
    );
  }

  // Every handle
  with(options: CommandOptions): Client {
    return new Client(
      this.#connection,
      mergeCommandOptions(this.#options, options, "with()"),
    );
  }
  close(): Promise<void> {
    return this.#connection.close();
  }
  get closed(): Promise<void> {
    return this.#connection.closed;
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
