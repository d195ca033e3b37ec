import { type Clock, systemClock } from "../core/clock.ts";
import { canTransferStreams } from "./channel.ts";
import { ServerLink } from "./server_link.ts";
import type { Envelope } from "../core/command.ts";
import { describe } from "../core/describe.ts";
import type { Engine } from "../core/engine.ts";
import { engineOf } from "../core/lifecycle.ts";
import {
  type Endpoint,
  listen,
  serviceName,
  streamsPinThread,
} from "./endpoint.ts";
import {
  optionalSignal,
  positiveInteger,
  timeoutValue,
} from "../core/validate.ts";
import { CONNECT_TAG } from "./wire.ts";
import { Channel } from "./serve_channel.ts";
import { SharedWriter } from "./shared_writer.ts";

/**
 * What `serve()` can serve: an `Owner`, a `Store` or a `Machine` (anything
 * with an {@linkcode Envelope} `writable`; `watch` is called directly for
 * watch commands).
 *
 * @example
 * ```ts
 * import { Store } from "@warden/core";
 * import { type Servable } from "@warden/core/workers";
 *
 * const store = new Store<string, number>();
 * const servable: Servable = store;
 * await store.close();
 * ```
 */
export interface Servable {
  /** The raw command stream. `serve()` takes its writer (it stays locked). */
  readonly writable: WritableStream<Envelope>;
  /** Resolves once the target has stopped. */
  readonly closed: Promise<void>;
  /** `Store.watch(key)` / `Machine.watch()`. */
  watch?(...args: never[]): ReadableStream<unknown>;
}

/**
 * Options for {@linkcode serve}.
 *
 * @example
 * ```ts
 * import type { ServeOptions } from "@warden/core/workers";
 *
 * const options: ServeOptions = { heartbeat: 5_000, window: 512 };
 * ```
 */
export interface ServeOptions {
  /**
   * The name clients ask for (`connect(endpoint, { name })`), so that one
   * endpoint can serve several owners.
   *
   * @default {""}
   */
  name?: string;
  /** Stops serving when aborted, as {@linkcode Serving.close}. */
  signal?: AbortSignal;
  /**
   * Milliseconds between liveness probes of each client; a client that
   * has not answered by the next probe is dropped. Node and Bun report a
   * terminated worker's channel as closed by themselves; Deno does not, so
   * set this where clients may be terminated there.
   *
   * @default {Infinity}
   */
  heartbeat?: number;
  /**
   * Where streams cannot be transferred (Bun): how many messages a client
   * may send that the server has not consumed yet.
   *
   * @default {1024}
   */
  window?: number;
  /** Timers for the heartbeat. @default {the runtime's timers} */
  clock?: Clock;
  /**
   * `"auto"`: transferred streams where the runtime can transfer them
   * (detected once), else the `MessagePort` with a credit window; the port
   * also on Deno's `node:worker_threads` (either end), where a transferred
   * stream would keep the worker from ever exiting. `"port"`:
   * the port everywhere (as fast or faster in our runs on Node 20 and
   * Deno; `bench/workers.ts --port` compares).
   *
   * @default {"auto"}
   */
  transport?: "auto" | "port";
  /**
   * Runs each command that carries a context record (`connect`'s `carry`)
   * with that record: `serve()` calls `enter(carried, run)`, and `run()`
   * submits the command to the target, synchronously, so the target takes
   * it in (an `Owner`'s `accepted` inspection event fires) inside `enter`.
   * `enter` must call `run()` once and return what it returns; for trace
   * context, `context.with(propagation.extract(active, carried), run)`.
   *
   * The record came from another thread and is checked as hostile input:
   * unless it is a plain object of at most 32 entries whose keys and
   * values are strings of at most 1,024 characters, it is dropped and the
   * command runs as one with no context (`enter` is not called). Commands
   * with no record run without `enter`. An `enter` that throws, or never
   * calls `run()`, does not lose the command: it is submitted anyway,
   * outside `enter`.
   *
   * To enter the context at the moment the target takes the command in, a
   * carried command is submitted once the target's `writable` has nothing
   * queued or in flight: the channel holds it (and this client's later
   * commands, to keep their order) until then.
   *
   * @default {undefined}
   *
   * @example Enter each remote command's context on the owning thread
   * ```ts
   * import { Owner } from "@warden/core";
   * import { connect, serve } from "@warden/core/workers";
   * import assert from "node:assert/strict";
   *
   * let active: Record<string, string> = {}; // this thread's context
   * const entered: string[] = [];
   * const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n });
   * const { port1, port2 } = new MessageChannel();
   * const serving = serve(owner, port1, {
   *   enter: (carried, run) => {
   *     const outer = active;
   *     active = carried;
   *     try {
   *       entered.push(active.tenant);
   *       return run(); // the owner takes the command in, in here
   *     } finally {
   *       active = outer;
   *     }
   *   },
   * });
   * const remote = connect<typeof owner>(port2, {
   *   carry: () => ({ tenant: "acme" }),
   * });
   * assert.equal(await remote.ask("incr"), 1);
   * assert.deepEqual(entered, ["acme"]);
   * await remote.close();
   * serving.close();
   * port1.close();
   * await owner.close();
   * ```
   */
  enter?: <T>(carried: Record<string, string>, run: () => T) => T;
}

/**
 * A running `serve()`: how many clients are connected, and how to stop.
 *
 * @example
 * ```ts
 * import { Owner } from "@warden/core";
 * import { serve } from "@warden/core/workers";
 * import assert from "node:assert/strict";
 *
 * const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n });
 * const { port1 } = new MessageChannel();
 * const serving = serve(owner, port1);
 * assert.equal(serving.clients, 0);
 * serving.close();
 * port1.close();
 * await owner.close();
 * ```
 */
export interface Serving {
  /** Connected clients. */
  readonly clients: number;
  /**
   * Stops serving: stops listening on the endpoint, and every client's
   * pending commands and open streams end with `ClosedError`. The target
   * itself is left running. Idempotent.
   */
  close(): void;
  /** `close()`, for `using serving = serve(...)`. */
  [Symbol.dispose](): void;
}

/**
 * Serves an owner (`Owner`, `Store` or `Machine`) to other threads: every
 * `connect()` made through `endpoint` gets its own channel, and its
 * commands run on `target` in this thread, one at a time with everyone
 * else's. Clients that go away (their worker terminated) are dropped and
 * never block the owner. When the target closes, each client's channel
 * ends once its open streams have ended; later commands reject with
 * `ClosedError`.
 *
 * @param target The owner to serve. Its `writable` stays locked by serve().
 * @param endpoint Where clients connect from: a `Worker`, `self`, a
 *   `MessagePort`, or Node's `Worker` / `parentPort`.
 * @param options Heartbeat, port-transport window, signal, clock.
 * @returns A handle: the client count, and `close()`.
 *
 * @example Serve a counter over a MessagePort
 * ```ts
 * import { Owner } from "@warden/core";
 * import { connect, serve } from "@warden/core/workers";
 * import assert from "node:assert/strict";
 *
 * const counter = new Owner({ n: 0 }, { incr: (s) => ++s.n });
 * type Counter = typeof counter;
 * const { port1, port2 } = new MessageChannel();
 * const serving = serve(counter, port1);
 * const remote = connect<Counter>(port2); // usually in another thread
 * assert.equal(await remote.ask("incr"), 1);
 * await remote.close();
 * serving.close();
 * port1.close();
 * await counter.close();
 * ```
 */
export function serve(
  target: Servable,
  endpoint: Endpoint,
  options: ServeOptions = {},
): Serving {
  return new Server(target, endpoint, options);
}

/**
 * What `serve()` returns: the target, its shared writer, and the channels
 * of the clients connected through one endpoint.
 *
 * @internal
 */
export class Server implements Serving {
  readonly #target: Servable;
  readonly #channels = new Set<Channel>();
  readonly #stopListening: () => void;
  readonly #window: number;
  readonly #heartbeat: number;
  readonly #clock: Clock;
  readonly #name: string;
  readonly #transport: "auto" | "port";
  /** `options.enter`: runs carried commands in their context. */
  readonly enter:
    | (<T>(carried: Record<string, string>, run: () => T) => T)
    | undefined;
  #writer: SharedWriter | undefined;
  /**
   * The target's engine when it is an owner (`Owner`, `Store`, `Machine`;
   * not, e.g., a remote one): a lone call runs through it at once when the
   * writable is idle (see `Channel`).
   */
  readonly engine: Engine | undefined;
  #closed = false;
  #targetClosed = false;

  constructor(target: Servable, endpoint: Endpoint, options: ServeOptions) {
    const action = "serve";
    if (
      typeof target !== "object" || target === null ||
      !(target.writable instanceof WritableStream)
    ) {
      throw new TypeError(
        `Cannot serve: target must be an Owner, Store or Machine, received ${
          describe(target)
        }`,
      );
    }
    if (target.writable.locked && !SharedWriter.has(target)) {
      throw new TypeError(
        "Cannot serve: the target's writable is locked (a writer or a pipe holds it); serve() needs to write to it",
      );
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot serve: options must be an object, received ${
          describe(options)
        }`,
      );
    }
    this.#target = target;
    this.engine = engineOf(target);
    this.#window = positiveInteger(options.window ?? 1024, "window", action);
    this.#heartbeat = timeoutValue(
      options.heartbeat ?? Infinity,
      action,
      "heartbeat",
    );
    this.#clock = options.clock ?? systemClock;
    if (options.enter !== undefined && typeof options.enter !== "function") {
      throw new TypeError(
        `Cannot serve: enter must be a function, received ${
          describe(options.enter)
        }`,
      );
    }
    this.enter = options.enter;
    this.#name = serviceName(options.name, action);
    const transport = options.transport ?? "auto";
    if (transport !== "auto" && transport !== "port") {
      throw new TypeError(
        `Cannot serve: transport must be "auto" or "port", received ${
          describe(transport)
        }`,
      );
    }
    // Deno's node:worker_threads: transferred streams would pin the thread.
    this.#transport = streamsPinThread(endpoint) ? "port" : transport;
    const signal = optionalSignal(options.signal, action);
    this.#stopListening = listen(
      endpoint,
      (data) => this.#onMessage(data),
      action,
    );
    target.closed.then(() => {
      this.#targetClosed = true;
      for (const channel of this.#channels) channel.drain();
    });
    if (signal?.aborted) this.close();
    else signal?.addEventListener("abort", () => this.close(), { once: true });
  }

  get clients(): number {
    return this.#channels.size;
  }

  get target(): Servable {
    return this.#target;
  }

  /** The target's writer, taken on first use. */
  get writer(): SharedWriter {
    return this.#writer ??= SharedWriter.of(this.#target);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopListening();
    for (const channel of [...this.#channels]) {
      channel.finish("the server stopped serving");
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  drop(channel: Channel): void {
    this.#channels.delete(channel);
  }

  #onMessage(data: unknown): void {
    if (
      this.#closed || typeof data !== "object" || data === null ||
      !(CONNECT_TAG in data)
    ) return;
    const { port, name, streams } = data as {
      port?: unknown;
      name?: unknown;
      streams?: unknown;
    };
    if (!(port instanceof MessagePort) || name !== this.#name) return;
    const link = new ServerLink(port, {
      window: this.#window,
      heartbeat: this.#heartbeat,
      clock: this.#clock,
      // A client whose thread streams would pin asks for the port.
      streams: this.#transport === "auto" && streams !== false &&
        canTransferStreams(),
    });
    const channel = new Channel(this, link);
    this.#channels.add(channel);
    if (this.#targetClosed) channel.drain();
  }
}
