/**
 * The cross-thread protocol of `serve()` / `connect()`: the messages a
 * client and a server exchange, and how errors cross a thread boundary.
 *
 * Messages travel in batches (arrays): every message issued in one
 * microtask turn is sent as one `postMessage` or one stream chunk. The fast
 * path is the exception: a lone `CALL` from a client with nothing else
 * unanswered goes over the port as one bare message, and its `OK`/`FAIL`
 * comes back the same way, at once (see client_link.ts). A plain lone call
 * and its `OK` go as compact frames ({@linkcode LoneCall},
 * {@linkcode LoneAnswer}).
 *
 * @internal
 * @module
 */
import {
  ClosedError,
  type CommandInfo,
  OverflowError,
  ReentrancyError,
  TimeoutError,
  TransitionError,
} from "../core/errors.ts";

// Client → server.
/** Run an op, one value back. */
export const CALL = 0;
/** Run a streaming op (`Owner.stream`, `Store.entries`): items back. */
export const STREAM = 1;
/** Subscribe (`Store.watch(key)`, `Machine.watch()`): items back until end. */
export const WATCH = 2;
/** The client's reader made room: `n` more items for stream `id`. */
export const CREDIT = 3;
/** The client gave up on `id`: cancel its stream, or abort its command. */
export const CANCEL = 4;
/** The client closed (control port). */
export const BYE = 5;
/** Answer to a PING (control port). */
export const PONG = 6;
/**
 * Stream transport: first in the first batch written after a lone call went
 * over the port (the fast path): hold this batch until call `id` is in.
 */
export const AFTER = 7;

// Server → client.
/** A command's value. */
export const OK = 10;
/** A command's (or a stream's) error. */
export const FAIL = 11;
/** Items of stream `id`, never more than the client's credit. */
export const ITEMS = 12;
/** Stream `id` ended. */
export const END = 13;
/** The server is done with this client: what is still pending is refused. */
export const CLOSED = 14;
/** Liveness probe (control port). */
export const PING = 15;
/** Port transport: the server consumed `n` more client messages. */
export const GRANT = 16;
/** First message on a new channel: which transport the server chose. */
export const HELLO = 20;

/** Marks the handshake message a client posts to an endpoint. */
export const CONNECT_TAG = "warden:connect";

/** A message from a client to a server. */
export type ClientMessage =
  | {
    t: typeof CALL;
    id: number;
    op: string;
    args: readonly unknown[];
    /** Set when the client may cancel it (a signal or a timeout). */
    s?: 1;
    /** The carried context (`connect`'s `carry`); absent without one. */
    c?: Carried;
  }
  | {
    t: typeof STREAM | typeof WATCH;
    id: number;
    op: string;
    args: readonly unknown[];
    credit: number;
    /** The carried context (`connect`'s `carry`); absent without one. */
    c?: Carried;
  }
  | { t: typeof CREDIT; id: number; n: number }
  | { t: typeof CANCEL; id: number }
  | { t: typeof AFTER; id: number };

/** A message from a server to a client. */
export type ServerMessage =
  | { t: typeof OK; id: number; v: unknown }
  | { t: typeof FAIL; id: number; e: WireError }
  | { t: typeof ITEMS; id: number; items: unknown[] }
  | { t: typeof END; id: number }
  | { t: typeof CLOSED; reason: string }
  | { t: typeof GRANT; n: number };

/**
 * A lone `CALL` with no `s` and no `c`, as it goes over the port: the
 * array `[id, op, args]`. An array with no named keys costs less to clone
 * than the message object (5–12% of a whole round trip on Node, Deno and
 * Bun, measured against `{ id, op, args }`). A batch is an array too, but
 * of message objects: a frame is told apart by its first element, a
 * number ({@linkcode isFrame}).
 */
export type LoneCall = [id: number, op: string, args: readonly unknown[]];

/** The `OK` of a lone call, as it comes back: `[id, value]`. */
export type LoneAnswer = [id: number, value: unknown];

/** Whether an array from the port is a frame, not a batch of messages. */
export function isFrame(data: readonly unknown[]): boolean {
  return typeof data[0] === "number";
}

/**
 * A context record carried with a command (trace context, a tenant id…):
 * string keys to string values.
 */
export type Carried = Record<string, string>;

/** At most this many entries in a carried record. */
export const MAX_CARRIED_ENTRIES = 32;
/** At most this many characters in a carried key or value. */
export const MAX_CARRIED_LENGTH = 1024;

/**
 * `value` as a carried record, or `undefined` when it is not one: a plain
 * object (prototype `Object.prototype` or `null`) of at most
 * {@linkcode MAX_CARRIED_ENTRIES} own entries, each key and each value a
 * string of at most {@linkcode MAX_CARRIED_LENGTH} characters. Whatever
 * else arrives from the other thread is dropped whole (as W3C trace
 * context drops a malformed `traceparent`): the command still runs, with
 * no context. Reads own data only; never throws on cloned data.
 */
export function carried(value: unknown): Carried | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = Object.keys(value);
  if (keys.length > MAX_CARRIED_ENTRIES) return undefined;
  const record = value as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const entry = record[key];
    if (
      key.length > MAX_CARRIED_LENGTH || typeof entry !== "string" ||
      entry.length > MAX_CARRIED_LENGTH
    ) return undefined;
  }
  return record as Carried;
}

/** An error as it crosses a thread: its class name, message and data. */
export interface WireError {
  /** Class name (`ClosedError`, `TypeError`, a DOMException's name, …). */
  name: string;
  /** The message, unchanged. */
  message: string;
  /** Whether it was a `DOMException`. */
  dom?: boolean;
  /** The remote stack, for debugging. */
  stack?: string;
  /** Data fields: command, limit, timeout, from, event. */
  data?: Record<string, unknown>;
  /** The cause, when it could cross. */
  cause?: WireError | { value: unknown };
  /** A thrown value that is not an Error. */
  value?: unknown;
  /** True when `value` holds a non-Error thrown value. */
  raw?: boolean;
}

const DATA_FIELDS = ["command", "limit", "timeout", "from", "event"] as const;

/** Turns anything thrown into something `postMessage` can carry. */
export function toWire(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error) && !isDomException(error)) {
    return { name: "Error", message: "", raw: true, value: cloneOr(error) };
  }
  const e = error as Error & Record<string, unknown>;
  const wire: WireError = {
    name: String(e.name),
    message: String(e.message),
  };
  if (isDomException(error)) wire.dom = true;
  if (typeof e.stack === "string") wire.stack = e.stack;
  let data: Record<string, unknown> | undefined;
  for (const field of DATA_FIELDS) {
    if (field in e && e[field] !== undefined) {
      (data ??= {})[field] = field === "command"
        ? commandInfo(e[field])
        : cloneOr(e[field]);
    }
  }
  if (data !== undefined) wire.data = data;
  if ("cause" in e && e.cause !== undefined && depth < 4) {
    wire.cause = e.cause instanceof Error
      ? toWire(e.cause, depth + 1)
      : { value: cloneOr(e.cause) };
  }
  return wire;
}

type ErrorClass = new (message?: string) => Error;
const BUILT_IN: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Rebuilds an error of the same class, message and data fields. */
export function fromWire(wire: WireError): unknown {
  if (wire.raw) return wire.value;
  const data = wire.data ?? {};
  const command = data.command as CommandInfo | undefined;
  let error: Error;
  switch (wire.name) {
    case "ClosedError":
      error = new ClosedError(wire.message, { command });
      break;
    case "OverflowError":
      error = new OverflowError(wire.message, {
        limit: data.limit as number,
        command,
      });
      break;
    case "TimeoutError":
      if (wire.dom) {
        error = new DOMException(wire.message, wire.name);
        break;
      }
      error = new TimeoutError(wire.message, {
        timeout: data.timeout as number,
        command,
      });
      break;
    case "TransitionError":
      error = new TransitionError(
        String(data.from),
        String(data.event),
      );
      break;
    case "ReentrancyError":
      error = new ReentrancyError(wire.message, { command });
      break;
    default:
      if (wire.dom) {
        error = new DOMException(wire.message, wire.name);
      } else {
        const Class = BUILT_IN[wire.name] ?? Error;
        error = new Class(wire.message);
        if (error.name !== wire.name) {
          Object.defineProperty(error, "name", {
            value: wire.name,
            configurable: true,
            writable: true,
          });
        }
      }
  }
  if (error.message !== wire.message) {
    Object.defineProperty(error, "message", {
      value: wire.message,
      configurable: true,
      writable: true,
    });
  }
  if (wire.cause !== undefined) {
    Object.defineProperty(error, "cause", {
      value: "name" in wire.cause
        ? fromWire(wire.cause)
        : (wire.cause as { value: unknown }).value,
      configurable: true,
      writable: true,
    });
  }
  if (wire.stack !== undefined) {
    Object.defineProperty(error, "stack", {
      value: `${error.stack}\n    --- in the serving thread ---\n${wire.stack}`,
      configurable: true,
      writable: true,
    });
  }
  return error;
}

function isDomException(value: unknown): value is DOMException {
  return typeof DOMException === "function" && value instanceof DOMException;
}

function commandInfo(value: unknown): CommandInfo | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { op, args } = value as Partial<CommandInfo>;
  return {
    op: String(op),
    args: Array.isArray(args) ? args.map((arg) => cloneOr(arg)) : [],
  };
}

/** `value` if it can cross a thread, else a description of it. */
function cloneOr(value: unknown): unknown {
  return canCross(value) ? value : String(value);
}

/**
 * Whether `value` survives `postMessage`. Plain data is walked (cheap, no
 * copy); anything else is test-cloned.
 */
export function canCross(value: unknown, seen?: Set<object>): boolean {
  const type = typeof value;
  if (type === "function" || type === "symbol") return false;
  if (type !== "object" || value === null) return true;
  const object = value as object;
  if (seen?.has(object)) return true;
  if (Array.isArray(object)) {
    (seen ??= new Set()).add(object);
    for (let i = 0; i < object.length; i++) {
      if (!canCross(object[i], seen)) return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null) {
    (seen ??= new Set()).add(object);
    const record = object as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!canCross(record[key], seen)) return false;
    }
    return true;
  }
  if (object instanceof Map) {
    (seen ??= new Set()).add(object);
    for (const [k, v] of object) {
      if (!canCross(k, seen) || !canCross(v, seen)) return false;
    }
    return true;
  }
  if (object instanceof Set) {
    (seen ??= new Set()).add(object);
    for (const v of object) if (!canCross(v, seen)) return false;
    return true;
  }
  if (
    object instanceof Date || object instanceof RegExp ||
    object instanceof ArrayBuffer || ArrayBuffer.isView(object)
  ) return true;
  try {
    structuredClone(object);
    return true;
  } catch {
    return false;
  }
}

/** Whether every argument can cross; cheap for primitives. */
export function argsCross(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) {
    if (!canCross(args[i])) return false;
  }
  return true;
}

/** The error a value that cannot cross a thread is refused with. */
export function notCloneable(what: string, cause?: unknown): DOMException {
  const error = new DOMException(
    `Cannot send ${what} to another thread: it cannot be structured-cloned (functions, symbols, class instances with private state cannot cross)`,
    "DataCloneError",
  );
  if (cause !== undefined) {
    Object.defineProperty(error, "cause", { value: cause, configurable: true });
  }
  return error;
}
