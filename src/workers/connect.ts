import type { CommandOptions } from "../core/command.ts";
import { describe } from "../core/describe.ts";
import type { Endpoint } from "./endpoint.ts";
import { mergeCommandOptions } from "../core/with.ts";
import { STREAM, WATCH } from "./wire.ts";
import { Connection } from "./connection.ts";
import type { ConnectOptions, Remote } from "./remote.ts";

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
