import { type Clock, systemClock } from "../core/clock.ts";
import { canTransferStreams, ServerLink } from "./channel.ts";
import type { Envelope } from "../core/command.ts";
import { describe } from "../core/describe.ts";
import { type Endpoint, listen, serviceName } from "./endpoint.ts";
import { ClosedError } from "../core/errors.ts";
import {
  optionalSignal,
  positiveInteger,
  timeoutValue,
} from "../core/validate.ts";
import {
  CALL,
  CANCEL,
  canCross,
  type ClientMessage,
  CLOSED,
  CONNECT_TAG,
  CREDIT,
  END,
  FAIL,
  ITEMS,
  notCloneable,
  OK,
  STREAM,
  toWire,
  WATCH,
} from "./wire.ts";

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
   * (detected once), else the `MessagePort` with a credit window. `"port"`:
   * the port everywhere (as fast or faster in our runs on Node 20 and
   * Deno; `bench/workers.ts --port` compares).
   *
   * @default {"auto"}
   */
  transport?: "auto" | "port";
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

// One writer per target, shared by every serve() of it.
const writers = new WeakMap<Servable, WritableStreamDefaultWriter<Envelope>>();

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

class Server implements Serving {
  readonly #target: Servable;
  readonly #channels = new Set<Channel>();
  readonly #stopListening: () => void;
  readonly #window: number;
  readonly #heartbeat: number;
  readonly #clock: Clock;
  readonly #name: string;
  readonly #transport: "auto" | "port";
  #writer: WritableStreamDefaultWriter<Envelope> | undefined;
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
    if (target.writable.locked && !writers.has(target)) {
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
    this.#window = positiveInteger(options.window ?? 1024, "window", action);
    this.#heartbeat = timeoutValue(
      options.heartbeat ?? Infinity,
      action,
      "heartbeat",
    );
    this.#clock = options.clock ?? systemClock;
    this.#name = serviceName(options.name, action);
    const transport = options.transport ?? "auto";
    if (transport !== "auto" && transport !== "port") {
      throw new TypeError(
        `Cannot serve: transport must be "auto" or "port", received ${
          describe(transport)
        }`,
      );
    }
    this.#transport = transport;
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
  get writer(): WritableStreamDefaultWriter<Envelope> {
    if (this.#writer === undefined) {
      let writer = writers.get(this.#target);
      if (writer === undefined) {
        writer = this.#target.writable.getWriter();
        writer.closed.catch(() => {});
        writers.set(this.#target, writer);
      }
      this.#writer = writer;
    }
    return this.#writer;
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
    const { port, name } = data as { port?: unknown; name?: unknown };
    if (!(port instanceof MessagePort) || name !== this.#name) return;
    const link = new ServerLink(port, {
      window: this.#window,
      heartbeat: this.#heartbeat,
      clock: this.#clock,
      streams: this.#transport === "auto" && canTransferStreams(),
    });
    const channel = new Channel(this, link);
    this.#channels.add(channel);
    if (this.#targetClosed) channel.drain();
  }
}

/** One client's channel, on the serving side. */
class Channel {
  readonly #server: Server;
  readonly #link: ServerLink;
  readonly #streams = new Map<number, Forward>();
  readonly #aborts = new Map<number, AbortController>();
  /**
   * Aborted when the channel ends: this client's commands still queued at
   * the owner never run (a ClosedError told the client they would not).
   */
  readonly #gone = new AbortController();
  #draining = false;
  #done = false;
  /** Value commands sent to the target and not answered yet. */
  #inFlight = 0;

  constructor(server: Server, link: ServerLink) {
    this.#server = server;
    this.#link = link;
    link.busy = () => this.#inFlight > 0;
    link.onBatch = (batch) => this.#handle(batch, 0);
    link.onLost = () => this.#lost();
  }

  get done(): boolean {
    return this.#done;
  }

  send(message: Parameters<ServerLink["send"]>[0]): void {
    if (!this.#done) this.#link.send(message);
  }

  /** The target closed: end once every open stream has ended. */
  drain(): void {
    this.#draining = true;
    if (this.#streams.size === 0) this.finish("the owner is closed");
  }

  /** Ends the channel: what the client still waits for gets ClosedError. */
  finish(reason: string): void {
    if (this.#done) return;
    this.send({ t: CLOSED, reason });
    this.#link.close();
    this.#end();
  }

  streamEnded(id: number): void {
    this.#streams.delete(id);
    if (this.#draining && this.#streams.size === 0) {
      this.finish("the owner is closed");
    }
  }

  #lost(): void {
    this.#end();
  }

  #end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#server.drop(this);
    for (const forward of [...this.#streams.values()]) forward.cancel();
    this.#streams.clear();
    const gone = new ClosedError("The client's channel ended");
    this.#gone.abort(gone);
    for (const controller of this.#aborts.values()) controller.abort(gone);
    this.#aborts.clear();
  }

  /** Runs a batch in order; resolves once the target accepted it. */
  #handle(batch: ClientMessage[], start: number): void | Promise<void> {
    let last: Promise<void> | undefined;
    for (let i = start; i < batch.length; i++) {
      if (this.#done) return last;
      const message = batch[i];
      switch (message.t) {
        case CALL:
          last = this.#call(
            message.id,
            message.op,
            message.args,
            message.s === 1,
          );
          break;
        case STREAM: {
          const forward = new Forward(
            this,
            message.id,
            message.op,
            message.credit,
          );
          this.#streams.set(message.id, forward);
          last = this.#write({
            op: message.op,
            args: message.args,
            reply: forward.writable,
            signal: this.#gone.signal,
          }, forward);
          break;
        }
        case WATCH:
          // Direct call: it must not overtake this client's earlier commands.
          if (last !== undefined) {
            return last.then(() => this.#handle(batch, i));
          }
          this.#watch(message.id, message.args, message.credit);
          break;
        case CREDIT:
          this.#streams.get(message.id)?.grant(message.n);
          break;
        case CANCEL:
          this.#streams.get(message.id)?.cancel();
          this.#aborts.get(message.id)?.abort(
            new DOMException("The client cancelled the command", "AbortError"),
          );
          break;
      }
    }
    return last;
  }

  #call(
    id: number,
    op: string,
    args: readonly unknown[],
    cancellable: boolean,
  ): Promise<void> {
    let signal = this.#gone.signal;
    if (cancellable) {
      const controller = new AbortController(); // aborted with #gone too
      this.#aborts.set(id, controller);
      signal = controller.signal;
    }
    this.#inFlight++;
    const reply = {
      resolve: (v: unknown) => {
        this.#inFlight--;
        if (cancellable) this.#aborts.delete(id);
        if (canCross(v)) this.send({ t: OK, id, v });
        else {
          this.send({
            t: FAIL,
            id,
            e: toWire(notCloneable(`the reply of "${op}"`)),
          });
        }
      },
      reject: (e: unknown) => {
        this.#inFlight--;
        if (cancellable) this.#aborts.delete(id);
        this.send({ t: FAIL, id, e: toWire(e) });
      },
    };
    return this.#write({ op, args, reply, signal }, reply);
  }

  #write(
    envelope: Envelope,
    onError: { reject(reason: unknown): void },
  ): Promise<void> {
    try {
      return this.#server.writer.write(envelope).catch((reason) =>
        onError.reject(
          new ClosedError(`Cannot run "${envelope.op}": the owner is closed`, {
            command: { op: envelope.op, args: envelope.args ?? [] },
            cause: reason,
          }),
        )
      );
    } catch (reason) {
      // Node 20 throws synchronously on a closed stream.
      onError.reject(reason);
      return Promise.resolve();
    }
  }

  #watch(id: number, args: readonly unknown[], credit: number): void {
    const forward = new Forward(this, id, "watch", credit);
    this.#streams.set(id, forward);
    const target = this.#server.target;
    if (typeof target.watch !== "function") {
      forward.reject(
        new TypeError(
          'Cannot run "watch": the served object has no watch() (serve a Store or a Machine)',
        ),
      );
      return;
    }
    let readable: ReadableStream<unknown>;
    try {
      readable = target.watch(...(args as never[]));
    } catch (error) {
      forward.reject(error);
      return;
    }
    forward.pump(readable);
  }
}

/** Items per `ITEMS` message, at most. */
const ITEMS_PER_MESSAGE = 256;

/**
 * A streamed reply on its way to a client: at most as many items as the
 * client's reader has room for (its credit); then it waits, and the source
 * waits with it (a snapshot holds, a watcher's bounded buffer fills).
 */
class Forward {
  readonly #channel: Channel;
  readonly #id: number;
  readonly #op: string;
  #credit: number;
  #items: unknown[] = [];
  #scheduled = false;
  #wake: (() => void) | undefined = undefined;
  #controller: WritableStreamDefaultController | undefined = undefined;
  #reader: ReadableStreamDefaultReader<unknown> | undefined = undefined;
  #live = false;
  #later: ReturnType<typeof setTimeout> | undefined = undefined;
  #over = false;
  readonly writable: WritableStream<unknown>;

  constructor(channel: Channel, id: number, op: string, credit: number) {
    this.#channel = channel;
    this.#id = id;
    this.#op = op;
    this.#credit = credit;
    this.writable = new WritableStream<unknown>({
      start: (controller) => {
        this.#controller = controller;
      },
      write: (item) => this.#push(item),
      close: () => this.#end(),
      abort: (reason) => this.reject(reason),
    });
  }

  /**
   * Reads a live source (a watch stream) into this forward, only while the
   * client has room. Its error is sent at once, even while waiting for room
   * (a watcher that fell behind overflows on the owner's side).
   */
  async pump(readable: ReadableStream<unknown>): Promise<void> {
    const reader = readable.getReader();
    this.#reader = reader;
    this.#live = true;
    reader.closed.catch((error) => this.reject(error));
    try {
      for (;;) {
        if (this.#credit <= 0) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
        if (this.#over) return;
        const { done, value } = await reader.read();
        if (this.#over) return;
        if (done) {
          this.#end();
          return;
        }
        await this.#push(value);
      }
    } catch (error) {
      this.reject(error);
      reader.cancel(error).catch(() => {});
    }
  }

  grant(n: number): void {
    this.#credit += n;
    if (this.#credit > 0) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    }
  }

  /** The client cancelled, or is gone: stop the source. */
  cancel(): void {
    if (this.#over) return;
    this.#over = true;
    this.#items = [];
    this.#flush(); // clears the timer; sends nothing now
    const reason = new DOMException(
      "The client cancelled the stream",
      "AbortError",
    );
    if (this.#reader) this.#reader.cancel(reason).catch(() => {});
    else {
      try {
        this.#controller?.error(reason);
      } catch {
        // Already errored.
      }
    }
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    this.#channel.streamEnded(this.#id);
  }

  /** Fails the stream on the client's side. */
  reject(reason: unknown): void {
    if (this.#over) return;
    this.#flush();
    this.#over = true;
    this.#channel.send({ t: FAIL, id: this.#id, e: toWire(reason) });
    this.#channel.streamEnded(this.#id);
  }

  #push(item: unknown): void | Promise<void> {
    if (this.#over) return;
    if (!canCross(item)) {
      const error = notCloneable(`an item of "${this.#op}"`);
      this.reject(error);
      throw error; // errors the stream: its source is cancelled
    }
    this.#items.push(item);
    this.#credit--;
    if (this.#items.length >= ITEMS_PER_MESSAGE || this.#credit <= 0) {
      this.#flush();
    } else if (!this.#scheduled) {
      // A live source (watch) sends each change at once; a snapshot fills
      // a message (its pipe writes item by item, a microtask apart).
      this.#scheduled = true;
      if (this.#live) queueMicrotask(this.#flush);
      else this.#later = setTimeout(this.#flush, 0);
    }
    if (this.#credit <= 0) {
      return new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#later !== undefined) {
      clearTimeout(this.#later);
      this.#later = undefined;
    }
    if (this.#items.length === 0 || this.#over) return;
    const items = this.#items;
    this.#items = [];
    this.#channel.send({ t: ITEMS, id: this.#id, items });
  };

  #end(): void {
    if (this.#over) return;
    this.#flush();
    this.#over = true;
    this.#channel.send({ t: END, id: this.#id });
    this.#channel.streamEnded(this.#id);
  }
}
