import type { Clock } from "./clock.ts";
import { type CommandInfo, TimeoutError } from "./errors.ts";

/**
 * Per-command options, given with `with()` on an owner: an abort signal and
 * a time limit.
 *
 * @example
 * ```ts
 * import { Store } from "@warden/core";
 *
 * const store = new Store<string, number>();
 * const controller = new AbortController();
 * const careful = store.with({ signal: controller.signal, timeout: 1000 });
 * await careful.set("a", 1);
 * await store.close();
 * ```
 */
export interface CommandOptions {
  /**
   * Aborts the command: while queued, it never runs; while running, its
   * reply is rejected at once. Either way the caller gets `signal.reason`.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds the command may take, queueing included, before it is
   * rejected with a `TimeoutError`. A running handler still finishes before
   * the next command starts (the owner never interleaves handlers).
   *
   * @default {Infinity}
   */
  timeout?: number;
}

/**
 * The receiving end of a one-value reply: what `Promise.withResolvers()`
 * gives. The owner calls exactly one of the two, exactly once.
 */
export interface ValueReply<T = unknown> {
  /** Called with the handler's result. */
  resolve(value: T): void;
  /** Called with the handler's error, or why the command did not run. */
  reject(reason: unknown): void;
}

/**
 * A raw command, as written to an owner's `writable`. Every `ask()` becomes
 * one of these; writing them yourself lets a stream be piped into an owner.
 *
 * - `reply` is a {@linkcode ValueReply} (one value), or a `WritableStream`
 *   such as a `TransformStream`'s writable side (a stream of values: the
 *   handler returns an iterable, which is sent value by value).
 *
 * @example Pipe commands into an owner
 * ```ts
 * import { type Envelope, Owner } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const owner = new Owner({ n: 0 }, { add: (s, by: number) => (s.n += by) });
 * const results: number[] = [];
 * const reply = { resolve: (v: unknown) => results.push(v as number), reject: console.error };
 * const commands: Envelope[] = [1, 2, 3].map((by) => ({ op: "add", args: [by], reply }));
 * await ReadableStream.from(commands).pipeTo(owner.writable);
 * assert.deepEqual(results, [1, 3, 6]);
 * ```
 */
export interface Envelope {
  /** The operation (handler) name. */
  op: string;
  /** The handler's arguments after the state. @default {[]} */
  args?: readonly unknown[];
  /** Where the result goes. */
  reply: ValueReply | WritableStream<unknown>;
  /** Aborts this command, as {@linkcode CommandOptions.signal}. */
  signal?: AbortSignal;
}

/**
 * How the engine turns a handler's result into the reply: one value; an
 * iterable or async iterable collected in the owner's turn; or an array the
 * handler built fresh, streamed without a copy.
 *
 * @internal
 */
export type ReplyKind =
  | typeof VALUE
  | typeof STREAM
  | typeof OWNED_ARRAY
  | typeof OWNED_PAIRS;
/** @internal */
export const VALUE = 0;
/** @internal */
export const STREAM = 1;
/** @internal */
export const OWNED_ARRAY = 2;
/**
 * A fresh flat array `[k0, v0, k1, v1, …]`, streamed as `[k, v]` pairs made
 * at read time: the snapshot in the owner's turn allocates no pair arrays.
 *
 * @internal
 */
export const OWNED_PAIRS = 3;

const NOOP = (): void => {};

/** The reply of a command run inline, until it needs one (see `bind()`). */
export const unbound = (_: unknown): void => {};

/**
 * A command's rarely used parts, allocated only when needed (a stream
 * reply, a signal, a timeout, an explicit reject): a plain `ask()` keeps
 * its command to four fields.
 */
interface Extra {
  kind: ReplyKind;
  signal: AbortSignal | undefined;
  /** Undefined: reject through the promise's `resolve` (see `reject()`). */
  reject: ((reason: unknown) => void) | undefined;
  /** The timer this command shares (see `Deadline`). */
  deadline: Deadline | undefined;
  /** The signal's set of waiting commands this one is in (see `watch`). */
  watching: Set<Command> | undefined;
  /** How messages name the command (see `arm()`); undefined: `"op"`. */
  label: ((command: Command) => string) | undefined;
  /** Told when it times out or is aborted (see `arm()`). */
  observer: CommandObserver | undefined;
}

/**
 * The owner's side of a command's timeout and abort signal: told after
 * the command rejected for either, so that `stats()` and the inspection
 * events can count it. Only commands with a timeout, a signal or a stream
 * reply have one (they have an `Extra` anyway).
 *
 * @internal
 */
export interface CommandObserver {
  /** `command` rejected with a `TimeoutError` after `ms`. */
  commandTimedOut(command: Command, ms: number): void;
  /** `command` was aborted (its signal, or its stream's reader), `reason`. */
  commandAborted(command: Command, reason: unknown): void;
}

/**
 * Commands waiting on each signal. One listener per signal rejects them
 * all: a listener per command costs an `addEventListener` and a
 * `removeEventListener` each (a `with({ signal })` handle ran 12-23x
 * slower) and makes runtimes warn about "possible memory leaks" past 10
 * listeners.
 */
const watched = new WeakMap<AbortSignal, Set<Command>>();

/**
 * One timer for the commands armed with the same clock and timeout in the
 * same wave of microtasks: they started together, so they expire together.
 * A timer per command costs a `setTimeout` and a `clearTimeout` each (a
 * `timeout` option halved throughput on Node and Bun and cost 13x on
 * Deno). The group's clock starts with its first command; the others
 * joined it within the same microtask wave, i.e. at once for a timer.
 */
class Deadline {
  readonly clock: Clock;
  readonly ms: number;
  #commands: Command[] = [];
  #live = 0;
  #timer: unknown;

  constructor(clock: Clock, ms: number) {
    this.clock = clock;
    this.ms = ms;
    this.#timer = clock.setTimeout(this.#fire, ms);
  }

  add(command: Command): void {
    this.#commands.push(command);
    this.#live++;
  }

  /**
   * A member settled: the last one out stops the timer. Nothing refers to
   * the deadline after that (its members dropped it as they settled, and
   * it takes no new ones), so its list goes with it.
   */
  leave(): void {
    if (--this.#live > 0) return;
    this.clock.clearTimeout(this.#timer);
    forget(this);
  }

  readonly #fire = (): void => {
    // First, so that a command sent while these expire (from an inspector
    // or a raw reply's `reject`) gets a deadline of its own.
    forget(this);
    // Members that settled already are skipped by `expire()`.
    for (const command of this.#commands) command.expire(this.ms);
  };
}

/** Deadlines still taking members: cleared once per microtask wave. */
let open: Map<Clock, Map<number, Deadline>> | undefined;

function join(command: Command, clock: Clock, ms: number): Deadline {
  if (open === undefined) {
    open = new Map();
    queueMicrotask(() => (open = undefined));
  }
  let byMs = open.get(clock);
  if (byMs === undefined) open.set(clock, byMs = new Map());
  let deadline = byMs.get(ms);
  if (deadline === undefined) byMs.set(ms, deadline = new Deadline(clock, ms));
  deadline.add(command);
  return deadline;
}

function forget(deadline: Deadline): void {
  const byMs = open?.get(deadline.clock);
  if (byMs?.get(deadline.ms) === deadline) byMs.delete(deadline.ms);
}

function watch(signal: AbortSignal, command: Command): Set<Command> {
  let commands = watched.get(signal);
  if (commands === undefined) {
    const set = commands = new Set();
    watched.set(signal, set);
    // A signal aborts once; after that `arm()` refuses its commands before
    // they get here, so the set (empty by then) and the listener stay.
    signal.addEventListener("abort", () => {
      for (const c of set) c.abort(signal.reason); // each leaves the set
    });
  }
  commands.add(command);
  return commands;
}

/**
 * Rejects a promise through its `resolve` function: resolving with a
 * thenable that rejects. The promise rejects one microtask later than a
 * direct `reject()` would, with the same reason, and the command need not
 * keep the promise's `reject` function alive (64 bytes per queued command
 * on V8).
 */
class Rejection {
  readonly #reason: unknown;
  constructor(reason: unknown) {
    this.#reason = reason;
  }
  then(_: unknown, reject: (reason: unknown) => void): void {
    reject(this.#reason);
  }
}

/**
 * One command on its way through an owner: what to run and where the
 * reply goes. It settles exactly once; later settle calls are ignored,
 * which is what makes abort, timeout and completion race safely.
 *
 * @internal
 */
export class Command {
  /** Reassigned only by `reuse()`, on an engine's spare (see `Engine`). */
  op: string;
  args: readonly unknown[];
  /** Its number on its owner, in acceptance order (see `OwnerStats`). */
  id = 0;
  /** The reply's `resolve`; `NOOP` once settled. */
  #resolve: (value: unknown) => void;
  #extra: Extra | undefined;

  /**
   * @param reject Omitted for a promise's own resolvers: the command then
   * rejects through `resolve` (see {@linkcode Rejection}).
   */
  constructor(
    op: string,
    args: readonly unknown[],
    kind: ReplyKind,
    signal: AbortSignal | undefined,
    resolve: (value: unknown) => void,
    reject?: (reason: unknown) => void,
  ) {
    this.op = op;
    this.args = args;
    this.#resolve = resolve;
    this.#extra = kind === VALUE && signal === undefined && reject === undefined
      ? undefined
      : {
        kind,
        signal,
        reject,
        deadline: undefined,
        watching: undefined,
        label: undefined,
        observer: undefined,
      };
  }

  /** Readies the engine's spare command for another inline run. */
  reuse(op: string, args: readonly unknown[]): void {
    this.op = op;
    this.args = args;
    this.#resolve = unbound;
  }

  /**
   * Gives a command that ran inline (see `Engine.call`) its reply once its
   * handler turned out asynchronous: until then it had none to pay for.
   */
  bind(
    resolve: (value: unknown) => void,
    signal: AbortSignal | undefined,
  ): void {
    // Unconditionally: even a command its handler settled early must get
    // a reply; the engine settles it from the handler's promise.
    this.#resolve = resolve;
    if (signal !== undefined) {
      this.#extra = {
        kind: VALUE,
        signal,
        reject: undefined,
        deadline: undefined,
        watching: undefined,
        label: undefined,
        observer: undefined,
      };
    }
  }

  /** How the handler's result becomes the reply. */
  get kind(): ReplyKind {
    const extra = this.#extra;
    return extra === undefined ? VALUE : extra.kind;
  }

  /** The command's abort signal, if any. */
  get signal(): AbortSignal | undefined {
    return this.#extra?.signal;
  }

  /** Whether the command has been resolved or rejected. */
  get settled(): boolean {
    return this.#resolve === NOOP;
  }

  /** The command as errors report it. */
  info(): CommandInfo {
    return { op: this.op, args: this.args };
  }

  /**
   * Starts the signal listener and the timer, if any. Returns false (and
   * rejects) when the signal is already aborted.
   */
  arm(
    timeout: number,
    clock: Clock,
    label: ((command: Command) => string) | undefined,
    observer: CommandObserver,
  ): boolean {
    const signal = this.#extra?.signal;
    if (signal) {
      if (signal.aborted) {
        this.reject(signal.reason);
        return false;
      }
      this.#extra!.watching = watch(signal, this);
    }
    if (this.#extra !== undefined) this.#extra.observer = observer;
    if (timeout !== Infinity) {
      const extra = this.#extra ??= {
        kind: VALUE,
        signal: undefined,
        reject: undefined,
        deadline: undefined,
        watching: undefined,
        label: undefined,
        observer: undefined,
      };
      extra.label = label;
      extra.observer = observer;
      extra.deadline = join(this, clock, timeout);
    }
    return true;
  }

  /**
   * Its timeout passed (called by its `Deadline`, also for members that
   * settled meanwhile: those are skipped, and the owner told nothing).
   */
  expire(timeout: number): void {
    if (this.#resolve === NOOP) return;
    // Only `arm()` gives a command a deadline, and with it an `Extra`
    // holding the label and the observer.
    const extra = this.#extra!;
    this.reject(
      new TimeoutError(
        `Command ${
          extra.label?.(this) ?? `"${this.op}"`
        } timed out after ${timeout} ms`,
        { timeout, command: this.info() },
      ),
    );
    extra.observer!.commandTimedOut(this, timeout);
  }

  /**
   * Rejects with `reason` as an abort: its signal, or its reader left
   * (also after the reply: then nothing happens). Only commands `arm()`
   * watched (a signal) or that stream their reply get here, and both have
   * an `Extra`; one not refused by `submit()` was armed with an observer.
   */
  abort(reason: unknown): void {
    if (this.#resolve === NOOP) return;
    const extra = this.#extra!;
    this.reject(reason);
    extra.observer!.commandAborted(this, reason);
  }

  /**
   * Settles with `value`. Calling this or `reject()` again on a settled
   * command changes nothing: its `#resolve` is `NOOP`, and so is the
   * `reject` of its `Extra`, if it has one; `#settle()`, which then runs
   * again, is idempotent.
   */
  resolve(value: unknown): void {
    const resolve = this.#resolve;
    this.#resolve = NOOP;
    if (this.#extra !== undefined) this.#settle(this.#extra);
    resolve(value);
  }

  reject(reason: unknown): void {
    const resolve = this.#resolve;
    this.#resolve = NOOP;
    const extra = this.#extra;
    const reject = extra?.reject;
    if (extra !== undefined) this.#settle(extra);
    if (reject !== undefined) reject(reason);
    else resolve(new Rejection(reason));
  }

  /**
   * Leaves the command's deadline and its signal's set, and drops the
   * caller's `reject`. It runs on every settle call, also a later one on a
   * settled command, and each step is idempotent: a second run finds the
   * deadline and the set cleared by the first, and sets `reject` to `NOOP`
   * again.
   */
  #settle(extra: Extra): void {
    if (extra.deadline !== undefined) {
      extra.deadline.leave();
      extra.deadline = undefined;
    }
    extra.watching?.delete(this);
    extra.watching = undefined;
    // A later settle calls this `NOOP`, never the caller's reject again;
    // and the command no longer keeps what the caller may hold onto.
    extra.reject = NOOP;
  }
}
