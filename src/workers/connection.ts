import { type Clock, systemClock } from "../core/clock.ts";
import { ClientLink } from "./client_link.ts";
import type { CommandOptions } from "../core/command.ts";
import { describe } from "../core/describe.ts";
import {
  type Endpoint,
  post,
  serviceName,
  streamsPinThread,
} from "./endpoint.ts";
import { ClosedError, TimeoutError } from "../core/errors.ts";
import { positiveInteger, timeoutValue } from "../core/validate.ts";
import {
  argsCross,
  CALL,
  CANCEL,
  type Carried,
  carried,
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
import type { ConnectOptions } from "./remote.ts";

interface Pending {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  readonly op: string;
  readonly args: readonly unknown[];
}

/**
 * The client's side of one channel: ids, pending replies, open streams.
 *
 * @internal
 */
export class Connection {
  readonly #link: ClientLink;
  readonly #calls = new Map<number, Pending>();
  readonly #streams = new Map<number, Incoming>();
  readonly readAhead: number;
  readonly clock: Clock;
  readonly defaults: CommandOptions | undefined;
  readonly #carry: (() => Record<string, string> | undefined) | undefined;
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
    if (options.carry !== undefined && typeof options.carry !== "function") {
      throw new TypeError(
        `Cannot connect: carry must be a function, received ${
          describe(options.carry)
        }`,
      );
    }
    this.#carry = options.carry;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    const name = serviceName(options.name, action);
    this.#link = new ClientLink((port) =>
      post(
        endpoint,
        streamsPinThread(endpoint)
          ? { [CONNECT_TAG]: 1, port, name, streams: false }
          : { [CONNECT_TAG]: 1, port, name },
        [port],
      )
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
    let c: Carried | undefined;
    if (this.#carry !== undefined) {
      const context = this.#context(op);
      if (context instanceof TypeError) return Promise.reject(context);
      c = context;
    }
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, op, args };
      if (options === undefined) {
        this.#calls.set(id, pending);
        this.#link.send(
          c === undefined
            ? { t: CALL, id, op, args }
            : { t: CALL, id, op, args, c },
        );
        return;
      }
      if (!this.#arm(id, pending, options)) return;
      this.#calls.set(id, pending);
      this.#link.send(
        c === undefined
          ? { t: CALL, id, op, args, s: 1 }
          : { t: CALL, id, op, args, s: 1, c },
      );
    });
  }

  /**
   * The record `carry` returns, copied and checked (`undefined` when it is
   * not one); a `TypeError` when `carry` throws.
   */
  #context(op: string): Carried | undefined | TypeError {
    try {
      const record: unknown = this.#carry!();
      if (
        typeof record !== "object" || record === null || Array.isArray(record)
      ) return undefined;
      return carried({ ...record });
    } catch (error) {
      return new TypeError(
        `Cannot run "${op}": the connection's carry() threw`,
        { cause: error },
      );
    }
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
    let c: Carried | undefined;
    if (this.#carry !== undefined) {
      const context = this.#context(op);
      if (context instanceof TypeError) {
        incoming.fail(context);
        return incoming.readable as ReadableStream<T>;
      }
      c = context;
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
    this.#link.send(
      c === undefined
        ? { t: kind, id, op, args, credit: this.readAhead }
        : { t: kind, id, op, args, credit: this.readAhead, c },
    );
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
