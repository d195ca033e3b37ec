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
import { Incoming } from "./incoming.ts";

const noop = (): void => {};
const NO_ARGS: readonly unknown[] = [];

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
  /** Calls sent that the server has not answered yet (see `sendAlone`). */
  #unanswered = 0;
  /** Calls given up here whose answer the server still owes. */
  #given: Set<number> | undefined = undefined;
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
    this.#link.onReply = (message) => this.#one(message);
    this.#link.onAnswer = (id, value) => {
      this.#answered(id, true, value);
    };
    this.#link.onLost = (reason) => this.#end(reason);
    this.#link.onUnsent = (batch, error) => {
      for (const message of batch) {
        if (message.t === CALL) {
          // Never reached the server: no answer is owed.
          if (this.#given?.delete(message.id) !== true) {
            this.#settle(message.id, false, error);
          }
          this.#unanswered--;
        } else if (message.t === STREAM || message.t === WATCH) {
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
    const promise = new Promise(this.#capture);
    const resolve = this.#resolve!;
    const reject = this.#reject!;
    this.#resolve = this.#reject = undefined;
    if (options === undefined) {
      if (this.#unanswered === 0 && this.#streams.size === 0) {
        // Alone: in the slot, not in #calls (see #loneId).
        this.#loneId = id;
        this.#loneResolve = resolve;
        this.#loneReject = reject;
        this.#loneOp = op;
        this.#loneArgs = args;
        this.#unanswered++;
        this.#link.sendAlone(
          c === undefined
            ? { t: CALL, id, op, args }
            : { t: CALL, id, op, args, c },
        );
        return promise;
      }
      this.#calls.set(id, { resolve, reject, op, args });
      this.#sendCall(
        c === undefined
          ? { t: CALL, id, op, args }
          : { t: CALL, id, op, args, c },
      );
      return promise;
    }
    const pending: Pending = { resolve, reject, op, args };
    if (!this.#arm(id, pending, options)) return promise;
    this.#calls.set(id, pending);
    this.#sendCall(
      c === undefined
        ? { t: CALL, id, op, args, s: 1 }
        : { t: CALL, id, op, args, s: 1, c },
    );
    return promise;
  }

  /**
   * The call sent with nothing else unanswered and no options, kept here
   * rather than in `#calls` (empty then: every entry is unanswered); 0
   * when there is none. At most one: the next such call waits for this one
   * to be answered.
   */
  #loneId = 0;
  #loneResolve: (value: unknown) => void = noop;
  #loneReject: (reason: unknown) => void = noop;
  #loneOp = "";
  #loneArgs: readonly unknown[] = NO_ARGS;

  /** A promise's resolvers, taken by {@linkcode #capture}. */
  #resolve: ((value: unknown) => void) | undefined = undefined;
  #reject: ((reason: unknown) => void) | undefined = undefined;
  /** One executor for every call's promise: no closure per call. */
  readonly #capture = (
    resolve: (value: unknown) => void,
    reject: (reason: unknown) => void,
  ): void => {
    this.#resolve = resolve;
    this.#reject = reject;
  };

  /** A call alone (nothing unanswered, no stream open) may go fast. */
  #sendCall(message: ClientMessage): void {
    if (this.#unanswered === 0 && this.#streams.size === 0) {
      this.#link.sendAlone(message);
    } else this.#link.send(message);
    this.#unanswered++;
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
    if (this.#settle(id, false, reason)) {
      (this.#given ??= new Set()).add(id);
      this.#link.send({ t: CANCEL, id });
    }
  }

  /** The server answered call `id`; false if it is not a call. */
  #answered(id: number, ok: boolean, value: unknown): boolean {
    if (this.#settle(id, ok, value) || this.#given?.delete(id) === true) {
      this.#unanswered--;
      return true;
    }
    return false;
  }

  #settle(id: number, ok: boolean, value: unknown): boolean {
    if (this.#loneId !== 0 && id === this.#loneId) {
      const settle = ok ? this.#loneResolve : this.#loneReject;
      this.#clearLone();
      settle(value);
      return true;
    }
    const pending = this.#calls.get(id);
    if (pending === undefined) return false;
    this.#calls.delete(id);
    if (ok) pending.resolve(value);
    else pending.reject(value);
    return true;
  }

  #receive(batch: ServerMessage[]): void {
    for (let i = 0; i < batch.length; i++) {
      if (this.#one(batch[i])) return;
    }
  }

  /** Takes one message in; true once the channel has ended. */
  #one(message: ServerMessage): boolean {
    switch (message.t) {
      case OK:
        this.#answered(message.id, true, message.v);
        break;
      case FAIL: {
        const error = fromWire(message.e);
        if (!this.#answered(message.id, false, error)) {
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
        return true;
    }
    return false;
  }

  #clearLone(): void {
    this.#loneId = 0;
    this.#loneResolve = this.#loneReject = noop;
    this.#loneArgs = NO_ARGS;
  }

  #refusal(op: string, args: readonly unknown[], reason: string): ClosedError {
    return new ClosedError(`Cannot run "${op}": ${reason}`, {
      command: { op, args },
    });
  }

  #end(reason: string): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#unanswered = 0;
    this.#given = undefined;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    if (this.#loneId !== 0) {
      // Sent before every call in #calls: refused first.
      const reject = this.#loneReject;
      const refusal = this.#refusal(this.#loneOp, this.#loneArgs, reason);
      this.#clearLone();
      reject(refusal);
    }
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
