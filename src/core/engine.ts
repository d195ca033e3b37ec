// The engine is one class, and so one file longer than the others: its
// lifecycle, queue, run loop and inline path share one set of `#private`
// fields, and the hot path (`call()`, `callHandler()`, `#runNow()`, `#run()`,
// `#invoke()`) reads them directly, with no object or call between them
// (merging two near-copies there was measured 8% slower on Node; giving
// `Owner` its own inline path, `callHandler()`, made its idle `ask()` ~10%
// faster on Node and ~30% on Bun in a one-process micro-benchmark; in the
// full bench suite the gain is within its noise). What is not on
// that path lives in files beside it: option checks (settings.ts), raw chunks
// (raw.ts), streamed snapshots (collect.ts), `handlerTimeout`
// (handler_timeout.ts) and the handler types (handler.ts).
import type { Clock } from "./clock.ts";
import {
  Command,
  type CommandObserver,
  type CommandOptions,
  OWNED_PAIRS,
  type ReplyKind,
  unbound,
  VALUE,
} from "./command.ts";
import { collect } from "./collect.ts";
import { Deque } from "./deque.ts";
import { ClosedError, OverflowError, ReentrancyError } from "./errors.ts";
import type { Dispatch, StateHandler } from "./handler.ts";
import { awaitTimed } from "./handler_timeout.ts";
import type { OwnerStats } from "./inspect.ts";
import { Inspection } from "./inspection.ts";
import { isPromiseLike } from "./is_promise_like.ts";
import type { OwnerOptions } from "./options.ts";
import { fromEnvelope } from "./raw.ts";
import { settings } from "./settings.ts";
import { SnapshotSource } from "./snapshot_stream.ts";

const OPEN = 0;
const CLOSING = 1;
const STOPPED = 2;

const noop = (): void => {};
const NO_ARGS: readonly unknown[] = Object.freeze([]);

/**
 * A command for inline runs to reuse (see `Engine.#spare`): `reuse()` sets
 * its op and arguments before each run.
 */
const spareCommand = (): Command =>
  new Command("", NO_ARGS, VALUE, undefined, unbound);

/** The arguments array of a command sent with `count` (≤ 2) parameters. */
const argsOf = (count: number, a: unknown, b: unknown): unknown[] =>
  count === 0 ? [] : count === 1 ? [a] : [a, b];

/** The last promise's `resolve`, as handed to the shared executor. */
let captured: (value: unknown) => void = noop;
const capture = (resolve: (value: unknown) => void): void => {
  captured = resolve;
};

/**
 * Handlers whose synchronous part is running, on any owner. A command sent
 * from inside one is queued, never run nested inside it: one owner's
 * handler calling another's, which calls back, must not find the first
 * mid-handler (that would be a false `ReentrancyError`).
 */
let handlersRunning = 0;

/**
 * The owner's engine: the one `WritableStream` whose sink runs a busy
 * owner's handlers, the queue in front of it, and the idle path beside it.
 *
 * Idle (nothing queued or running): a command runs inside the call, as a
 * `write()` to an idle `WritableStream` runs its sink before it returns,
 * without the stream's per-write cost (see `call()`).
 *
 * Busy: commands issued in one microtask turn are coalesced into one
 * `write()` of an array, and at most one write is in the stream at a time.
 * That keeps the contract (one sink, strict order, a handler finishes
 * before the next starts) while paying the stream's per-write cost once
 * per batch, and it keeps the stream's own queue one deep, away from Node
 * 20's cost of deep stream queues.
 *
 * Either way one handler runs at a time, in the order commands were sent:
 * a command takes the idle path only when nothing is ahead of it.
 *
 * The stream is created for the first queued command, not in the
 * constructor: workerd refuses `new WritableStream()` in a Worker's global
 * scope.
 *
 * @internal
 */
export class Engine implements CommandObserver {
  readonly #dispatch: Dispatch;
  readonly #highWaterMark: number;
  readonly #rejectOverflow: boolean;
  readonly #timeout: number;
  readonly #handlerTimeout: number;
  readonly #clock: Clock;
  readonly onError: (error: unknown) => void;
  /**
   * How messages name a command: `"op"` by default; a Machine's adds the
   * event (`"send" (event "connect")`).
   */
  label: ((command: Command) => string) | undefined = undefined;
  /** Called once when the owner has stopped (closed or aborted). */
  onStop: (() => void) | undefined = undefined;

  #writer: WritableStreamDefaultWriter<Command[]> | undefined = undefined;
  #public: WritableStream<unknown> | undefined = undefined;
  /** Accepted, not yet written to the stream. */
  #pending: Command[] = [];
  /** Beyond the high-water mark (overflow "wait"), oldest first. */
  readonly #waiting = new Deque<Command>();
  /** Raw writers waiting for room. */
  #roomWaiters: (() => void)[] = [];
  /**
   * Accepted and not yet started: pending plus the batch in the stream,
   * less the command running (a Go channel's buffer: `highWaterMark`
   * commands may wait behind the one that runs).
   */
  #queued = 0;
  /** A flush is scheduled or a batch is in the stream. */
  #busy = false;
  /** The batch in the stream, and the command of it now running. */
  #batch: Command[] | undefined = undefined;
  #current: Command | undefined = undefined;
  /** The index of `#current` in `#batch`, while its handler awaits. */
  #index = 0;
  /** Ends the sink's `write()` in progress. */
  #endWrite: () => void = noop;
  /** A handler's synchronous part is running: a new command is re-entrant. */
  #dispatching = false;
  /** The command run inline (see `call()`), until its handler finishes. */
  #now: Command | undefined = undefined;
  /**
   * The command object inline runs reuse: a synchronous handler is done
   * with it when it returns, so an inline run allocates no command. One
   * that goes asynchronous keeps it, and a new spare takes its place.
   */
  #spare: Command = spareCommand();
  #phase = OPEN;
  #closing = false;
  #aborted = false;
  #abortReason: unknown = undefined;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;
  /**
   * The `inspect` option at work, or undefined: every point that emits an
   * event checks it with one `!== undefined`, and does nothing else when
   * it is unset (no allocation, no closure, no clock read).
   */
  readonly #inspection: Inspection | undefined;
  /** The clock's time, in ms (`stats()`, and the inspection events). */
  readonly #time: () => number;
  // `stats()`: plain increments on paths that exist anyway.
  /**
   * The commands this engine numbered. A command's id is this count plus
   * `direct`, so that ids count every accepted command, a `Store`'s
   * fast-path calls included (they take their place without a command).
   */
  #ids = 0;
  /** Accepted commands whose handler returned. */
  #fulfilled = 0;
  /** Accepted commands whose handler threw, or that never got to finish. */
  #rejected = 0;
  /** Commands refused before acceptance. */
  #refused = 0;
  /**
   * Commands a `Store` ran itself, on its idle fast path (see
   * `Store.#now()`): counted as accepted and fulfilled.
   */
  direct = 0;
  /** The command whose handler is running asynchronously, and since when. */
  #async: Command | undefined = undefined;
  #since = 0;
  /** The command `#since` is the start of. */
  #sinceOf: Command | undefined = undefined;
  /**
   * The owner is inspected, or `stats()` has been called: each
   * asynchronous handler's start is read from the clock. Until then nobody
   * asks, and the owner reads no clock per command.
   */
  #timed: boolean;

  constructor(dispatch: Dispatch, options: OwnerOptions, kind: string) {
    const {
      highWaterMark,
      rejectOverflow,
      timeout,
      handlerTimeout,
      clock,
      onError,
      signal,
      inspect,
      inspectValues,
      time,
    } = settings(options, kind);
    this.#dispatch = dispatch;
    this.#highWaterMark = highWaterMark;
    this.#rejectOverflow = rejectOverflow;
    this.#timeout = timeout;
    this.#handlerTimeout = handlerTimeout;
    this.#clock = clock;
    this.onError = onError;
    this.#time = time;
    this.#timed = inspect !== undefined;
    this.#inspection = inspect === undefined
      ? undefined
      : new Inspection(inspect, inspectValues, kind, time, this.#report);
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    if (signal?.aborted) this.abort(signal.reason);
    else {
      signal?.addEventListener("abort", () => this.abort(signal.reason), {
        once: true,
      });
    }
  }

  /** The clock timeouts use. */
  get clock(): Clock {
    return this.#clock;
  }

  /** Resolves once the owner has stopped: drained after close(), or aborted. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /**
   * Whether a command sent now would run at once, inside the call: open,
   * nothing queued or running, and no handler of any owner on the stack.
   */
  get idle(): boolean {
    return !this.#busy && this.#now === undefined && this.#phase === OPEN &&
      handlersRunning === 0;
  }

  /**
   * `idle`, and not inspected: a `Store` may then run `get`/`set`/`has`
   * itself, with no event to emit (see `Store.#now()`).
   */
  get quick(): boolean {
    return this.#inspection === undefined && this.idle;
  }

  /** The inspection, for a Machine's transition events; undefined if off. */
  get inspection(): Inspection | undefined {
    return this.#inspection;
  }

  /** An asynchronous handler starts now (for `stats().running.for`). */
  #started(command: Command): void {
    this.#since = this.#time();
    this.#sinceOf = command;
  }

  /** What `stats()` on the owner returns. */
  stats(): OwnerStats {
    const running = this.#async;
    const now = this.#time();
    this.#timed = true;
    // `#sinceOf` is the running command unless it started before the first
    // `stats()`: then it is seen running from now on. (Idle, this only
    // forgets a finished command: every later start sets both.)
    if (this.#sinceOf !== running) {
      this.#since = now;
      this.#sinceOf = running;
    }
    return Object.freeze({
      queued: this.#queued,
      waiting: this.#waiting.length,
      running: running === undefined ? undefined : Object.freeze({
        op: running.op,
        id: running.id,
        for: now - this.#since,
      }),
      settled: this.#fulfilled + this.direct,
      rejected: this.#rejected,
      refused: this.#refused,
    });
  }

  /** Whether new commands are refused. */
  get isClosed(): boolean {
    return this.#phase !== OPEN;
  }

  /** Sends a command and returns the promise of its one reply. */
  call(
    op: string,
    args: readonly unknown[],
    options: CommandOptions | undefined,
  ): Promise<unknown> {
    if (this.idle) return this.#runNow(op, args, options, undefined)!;
    return this.#enqueue(op, args, options);
  }

  /**
   * `call()` for a call served to another thread (src/workers): on an idle
   * owner whose handler returns synchronously, the reply goes to `answer`
   * inside this call, and it returns `undefined`: no promise, and no
   * microtask between the handler and the reply, as a plain `postMessage`
   * server answers. Otherwise it returns the reply's promise, as `call()`
   * does; `answer` is then not called.
   */
  answer(
    op: string,
    args: readonly unknown[],
    options: CommandOptions | undefined,
    answer: (value: unknown) => void,
  ): Promise<unknown> | undefined {
    if (this.idle) return this.#runNow(op, args, options, answer);
    return this.#enqueue(op, args, options);
  }

  /** A command for a busy owner: queued, with a promise for its reply. */
  #enqueue(
    op: string,
    args: readonly unknown[],
    options: CommandOptions | undefined,
  ): Promise<unknown> {
    // One shared executor, no closure per call; no reject kept: the
    // command rejects through resolve (less memory, less garbage).
    const promise = new Promise<unknown>(capture);
    const command = new Command(op, args, VALUE, options?.signal, captured);
    captured = noop;
    this.submit(command, options?.timeout);
    return promise;
  }

  /**
   * `call()` for an `Owner`, whose handler is already looked up and whose
   * arguments (`count` of them, at most two) come as parameters: on an idle
   * owner it runs the handler with no command and no arguments array (an
   * uncontended `ask()` allocates only its reply); a command is made only
   * if the handler turns out asynchronous, or the owner is busy.
   *
   * This is `#runNow()` written out for users' handlers: its call site sees
   * handlers only, never the owners' dispatchers, and stays cheap.
   */
  callHandler<S>(
    handler: StateHandler<S>,
    state: S,
    op: string,
    count: number,
    a: unknown,
    b: unknown,
    options: CommandOptions | undefined,
  ): Promise<unknown> {
    if (!this.idle) {
      return this.#enqueue(op, argsOf(count, a, b), options);
    }
    const signal = options?.signal;
    if (signal !== undefined && signal.aborted) {
      this.#refuse(op, "aborted", signal.reason);
      return Promise.reject(signal.reason);
    }
    // The spare stands for the running command (close and abort wait for it).
    const spare = this.#now = this.#spare;
    // Only an `Owner` calls this, and only a `Store` counts `direct`.
    const id = ++this.#ids;
    const inspection = this.#inspection;
    if (inspection !== undefined) {
      inspection.inline(spare, id, op, argsOf(count, a, b));
    }
    let result: unknown;
    let pending = false;
    this.#dispatching = true;
    handlersRunning++;
    try {
      result = count === 0
        ? handler(state)
        : count === 1
        ? handler(state, a)
        : handler(state, a, b);
      // Inside the try: a result's `then` getter may throw.
      if (isPromiseLike(result)) {
        result = Promise.resolve(result);
        pending = true;
      }
    } catch (error) {
      handlersRunning--;
      this.#dispatching = false;
      this.#idleAgain();
      if (inspection !== undefined) inspection.settled(spare, true, error);
      this.#rejected++;
      return Promise.reject(error);
    }
    handlersRunning--;
    this.#dispatching = false;
    if (!pending) {
      // The spare's arguments were never set: only `#now` to clear.
      this.#now = undefined;
      if (this.#phase !== OPEN) queueMicrotask(this.#finishLater);
      if (inspection !== undefined) inspection.settled(spare, false, result);
      this.#fulfilled++;
      return Promise.resolve(result);
    }
    const command = new Command(
      op,
      argsOf(count, a, b),
      VALUE,
      undefined,
      unbound,
    );
    command.id = id;
    if (inspection !== undefined) inspection.rekey(command);
    return this.#runningAsync(command, result as Promise<unknown>, options);
  }

  /**
   * Runs the command at once, inside the call, on an idle owner: no
   * command queued or running, and no handler of any owner on the stack.
   * This is what the owner's `WritableStream` does itself (a `write()` to
   * an idle stream runs the sink before it returns), without the stream's
   * cost: a synchronous handler's reply is one settled promise, with no
   * queue, no microtask hop, and no timer or signal listener, since it can
   * no longer time out or be aborted. Order holds: anything sent later
   * finds the owner idle again, or busy and queues. With `answer`, a
   * synchronous handler's reply goes to it instead, and nothing is
   * returned (see `answer()`).
   */
  #runNow(
    op: string,
    args: readonly unknown[],
    options: CommandOptions | undefined,
    answer: ((value: unknown) => void) | undefined,
  ): Promise<unknown> | undefined {
    const signal = options?.signal;
    if (signal !== undefined && signal.aborted) {
      this.#refuse(op, "aborted", signal.reason);
      return Promise.reject(signal.reason);
    }
    // The spare stands for the running command (close and abort wait for
    // it); the dispatcher takes it alone.
    const spare = this.#now = this.#spare;
    spare.reuse(op, args);
    const id = ++this.#ids + this.direct;
    const inspection = this.#inspection;
    if (inspection !== undefined) inspection.inline(spare, id, op, args);
    let result: unknown;
    let threw = false;
    this.#dispatching = true;
    handlersRunning++;
    try {
      result = this.#dispatch(spare);
      if (isPromiseLike(result)) result = Promise.resolve(result);
    } catch (error) {
      result = error;
      threw = true;
    } finally {
      handlersRunning--;
      this.#dispatching = false;
    }
    if (threw || !(result instanceof Promise)) {
      this.#idleAgain();
      if (inspection !== undefined) inspection.settled(spare, threw, result);
      if (threw) {
        this.#rejected++;
        return Promise.reject(result);
      }
      this.#fulfilled++;
      if (answer === undefined) return Promise.resolve(result);
      answer(result);
      return undefined;
    }
    // An asynchronous handler: the dispatcher may hold on to the spare (a
    // Machine's effects do), so the spare becomes this command, and a new
    // spare takes its place. The inspection already knows it by this
    // object: nothing to rekey.
    this.#spare = spareCommand();
    spare.id = id;
    return this.#runningAsync(spare, result, options);
  }

  /**
   * A command run inline whose handler is asynchronous: the owner is busy
   * until it settles, and the command gets a reply, a timeout and its
   * signal after all.
   */
  #runningAsync(
    command: Command,
    result: Promise<unknown>,
    options: CommandOptions | undefined,
  ): Promise<unknown> {
    const promise = new Promise<unknown>(capture);
    command.bind(captured, options?.signal);
    captured = noop;
    this.#now = this.#current = this.#async = command;
    if (this.#timed) this.#started(command);
    this.#busy = true;
    command.arm(
      options?.timeout ?? this.#timeout,
      this.#clock,
      this.label,
      this,
    );
    this.#await(command, result);
    return promise;
  }

  /** An inline command's handler finished in its synchronous part. */
  #idleAgain(): void {
    // The spare must not keep the last arguments alive (a large value set
    // and then deleted would stay reachable until the next command).
    this.#now!.args = NO_ARGS;
    this.#now = undefined;
    // Its handler closed or aborted its own owner: finish that one
    // microtask later, so that the reply, about to be returned, settles
    // before `closed` does (as it would from the stream).
    if (this.#phase !== OPEN) queueMicrotask(this.#finishLater);
  }

  /**
   * Stops an owner closed or aborted from inside an inline handler. After
   * `abort()` too this is `#maybeFinish()`: abort emptied the queue and
   * nothing can join it, so it stops at once (closing the internal stream,
   * idle and never visible, rather than aborting it).
   */
  readonly #finishLater = (): void => {
    this.#maybeFinish();
  };

  /**
   * An inline command's asynchronous handler finished: writes what queued
   * meanwhile, or goes idle (after `abort()` the queue is empty, and
   * `#flush()` stops the owner). No `#refill()`: nothing started during
   * the inline run, so the count is where it was when each waiting command
   * or raw writer found the queue full, and none of them has room yet.
   */
  readonly #afterNow = (): void => {
    this.#now = this.#current = undefined;
    this.#flush();
  };

  /** Sends a command whose reply is a stream of values. */
  callStream<T>(
    op: string,
    args: readonly unknown[],
    kind: ReplyKind,
    options: CommandOptions | undefined,
  ): ReadableStream<T> {
    const { source, readable } = SnapshotSource.stream<T>();
    const command = new Command(
      op,
      args,
      kind,
      options?.signal,
      kind === OWNED_PAIRS
        ? (items) => source.deliverPairs(items as unknown[])
        : (items) => source.deliver(items as T[]),
      (reason) => source.fail(reason),
    );
    // A reader that cancels before the command runs: it never runs.
    source.onCancel = () => command.abort(undefined);
    this.submit(command, options?.timeout);
    return readable;
  }

  /** Queues a command, or settles it at once if it cannot be queued. */
  submit(command: Command, timeout: number | undefined, wait = false): void {
    if (this.#phase !== OPEN || this.#dispatching) {
      const error = this.#dispatching
        ? reentrancy(command)
        : this.#refusal(command);
      command.reject(error);
      this.#refuse(
        command.op,
        this.#dispatching ? "reentrant" : "closed",
        error,
      );
      return;
    }
    if (!command.arm(timeout ?? this.#timeout, this.#clock, this.label, this)) {
      // `arm()` refuses only a command whose signal has already aborted.
      this.#refuse(command.op, "aborted", command.signal!.reason);
      return;
    }
    if (this.#queued >= this.#highWaterMark || this.#waiting.length > 0) {
      if (this.#rejectOverflow && !wait) {
        const error = new OverflowError(
          `Cannot run ${
            this.#name(command)
          }: the queue is full (highWaterMark ${this.#highWaterMark}); retry later, or use overflow: "wait"`,
          { limit: this.#highWaterMark, command: command.info() },
        );
        command.reject(error);
        this.#refuse(command.op, "overflow", error);
        return;
      }
      command.id = ++this.#ids + this.direct;
      this.#waiting.push(command);
      if (this.#inspection !== undefined) this.#accepted(command);
      return;
    }
    command.id = ++this.#ids + this.direct;
    this.#queued++;
    this.#pending.push(command);
    if (this.#inspection !== undefined) this.#accepted(command);
    if (!this.#busy) {
      this.#busy = true;
      queueMicrotask(this.#flush);
    }
  }

  #accepted(command: Command): void {
    this.#inspection!.accepted(
      command,
      command.id,
      command.op,
      command.args,
      this.#queued + this.#waiting.length,
    );
  }

  /** A command refused before acceptance: counted, and reported. */
  #refuse(
    op: string,
    reason: "overflow" | "closed" | "reentrant" | "aborted",
    error: unknown,
  ): void {
    this.#refused++;
    if (this.#inspection !== undefined) {
      this.#inspection.refused(op, reason, error);
    }
  }

  /**
   * See `CommandObserver`: a command's own timeout passed. An unsettled
   * command is `#current` exactly while its handler runs, from its start
   * (`#async` is set only once the handler returns a promise, and a handler
   * may abort its own signal before that): then it ends when its handler
   * does. Otherwise it never runs, and this is its end.
   */
  commandTimedOut(command: Command, ms: number): void {
    const running = command === this.#current;
    if (!running) this.#rejected++;
    if (this.#inspection !== undefined) {
      this.#inspection.timedOut(command, ms, running);
    }
  }

  /** See `CommandObserver`: a command's signal aborted it (as above). */
  commandAborted(command: Command, reason: unknown): void {
    const running = command === this.#current;
    if (!running) this.#rejected++;
    if (this.#inspection !== undefined) {
      this.#inspection.aborted(command, reason, running);
    }
  }

  /** Refuses new commands, runs everything already queued, then stops. */
  close(): Promise<void> {
    if (this.#phase === OPEN) {
      this.#phase = CLOSING;
      this.#maybeFinish();
    }
    return this.#closed;
  }

  /** Refuses new commands and rejects every queued one with `reason`. */
  abort(reason?: unknown): Promise<void> {
    if (this.#aborted || this.#phase === STOPPED) return this.#closed;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#phase = CLOSING;
    for (const command of this.#pending) this.#rejectAborted(command);
    this.#queued -= this.#pending.length;
    this.#pending = [];
    for (let c = this.#waiting.shift(); c; c = this.#waiting.shift()) {
      this.#rejectAborted(c);
    }
    // Commands queued behind a running handler in the stream's batch are
    // queued too: they reject now, not when that handler finishes.
    if (this.#batch !== undefined) {
      for (const c of this.#batch) {
        if (c !== this.#current) this.#rejectAborted(c);
      }
    }
    this.#wakeRoomWaiters(true);
    // A handler run inline finishes first, as one in the stream would.
    if (this.#now === undefined) this.#finishAbort();
    return this.#closed;
  }

  #finishAbort(): void {
    if (this.#writer === undefined) this.#stop();
    else this.#writer.abort(this.#abortReason).then(this.#stop, this.#stop);
  }

  /**
   * The public entry: a stream of raw {@linkcode Envelope}s. Created on
   * first use. Closing or aborting it closes or aborts the owner.
   */
  get writable(): WritableStream<unknown> {
    return this.#public ??= new WritableStream<unknown>({
      write: (chunk) => this.#writeRaw(chunk),
      close: () => this.close(),
      abort: (reason) => this.abort(reason),
    });
  }

  #refusal(command: Command): unknown {
    return new ClosedError(
      `Cannot run ${this.#name(command)}: the owner ${
        this.#aborted
          ? "was aborted"
          : this.#phase === STOPPED
          ? "is closed"
          : "is closing"
      }`,
      { command: command.info() },
    );
  }

  /** The command as messages name it (see `label`). */
  readonly #name = (command: Command): string =>
    this.label?.(command) ?? `"${command.op}"`;

  #rejectAborted(command: Command): void {
    if (command.settled) return;
    const reason = this.#abortReason !== undefined
      ? this.#abortReason
      : new ClosedError(
        `Command ${this.#name(command)} was not run: the owner was aborted`,
        { command: command.info() },
      );
    command.reject(reason);
    this.#rejected++;
    if (this.#inspection !== undefined) {
      this.#inspection.aborted(command, reason, false);
    }
  }

  #start(): WritableStreamDefaultWriter<Command[]> {
    const stream = new WritableStream<Command[]>({
      // The sink: where a busy owner's handlers run (an idle owner's run
      // inline instead, see `call()`). It never throws; errors travel to
      // each command's reply as data.
      write: (batch) => this.#drain(batch),
      close: () => this.#stop(),
      abort: () => this.#stop(),
    });
    return this.#writer = stream.getWriter();
  }

  readonly #flush = (): void => {
    if (this.#pending.length === 0) {
      this.#busy = false;
      this.#maybeFinish();
      return;
    }
    const batch = this.#pending;
    this.#pending = [];
    this.#batch = batch;
    const writer = this.#writer ?? this.#start();
    // The sink never throws, so the write never rejects; if the stream
    // failed it anyway, the owner must still go on the same way.
    writer.write(batch).then(this.#written, this.#written);
  };

  /**
   * A stream write ended: a turn brought no command, or the stream was
   * aborted (`abort()` already settled every command of its batch but the
   * running one, which settles from its handler). No `#refill()`: the last
   * `#more()` refilled, and since then nothing started, so nobody waiting
   * has room (and after `abort()` nobody waits).
   */
  readonly #written = (): void => {
    this.#batch = this.#current = undefined;
    this.#flush();
  };

  /** Moves waiting commands into the queue as room frees up. */
  #refill(): void {
    while (this.#queued < this.#highWaterMark && this.#waiting.length > 0) {
      const command = this.#waiting.shift()!;
      if (command.settled) continue;
      this.#queued++;
      this.#pending.push(command);
    }
    this.#wakeRoomWaiters(false);
  }

  /**
   * The sink's `write()`: runs the batch, then, one microtask later, the
   * commands that arrived meanwhile (callers resumed by this batch's
   * replies send their next command in that microtask), and so on until a
   * turn brings none. One stream write thus serves a whole busy period:
   * the stream's per-write cost is paid once, not once per batch, and a
   * sequential caller never waits for a write to round-trip. Commands
   * arriving later start a new write, as before.
   */
  #drain(batch: Command[]): Promise<void> {
    // One promise per write, settled when a turn brings no command: not a
    // chain of promises per batch, which would grow with the busy period.
    return new Promise<void>((end) => {
      this.#endWrite = end;
      this.#run(batch, 0);
    });
  }

  readonly #more = (): void => {
    this.#refill();
    if (this.#aborted) this.#endDrain();
    else queueMicrotask(this.#next);
  };

  readonly #next = (): void => {
    if (this.#pending.length === 0 || this.#aborted) return this.#endDrain();
    const batch = this.#pending;
    this.#pending = [];
    this.#batch = batch;
    this.#run(batch, 0);
  };

  #endDrain(): void {
    const end = this.#endWrite;
    this.#endWrite = noop;
    end();
  }

  /**
   * Runs `batch[start..]`, then `#more()`. A handler that returns a promise
   * pauses the loop; `#resume` picks it up when that promise settles. No
   * promise is returned up a chain: a batch of a thousand async handlers
   * would otherwise resolve a thousand nested promises as it ends.
   */
  #run(batch: Command[], start: number): void {
    // `#queued` drops as each command starts: the one running does not
    // count against `highWaterMark`, only those waiting behind it.
    for (let i = start; i < batch.length; i++) {
      this.#queued--;
      const command = batch[i];
      // Aborted or timed out while queued. (After `abort()` every command
      // is settled here: it rejected the whole batch but the running one.)
      if (command.settled) continue;
      let result: unknown;
      this.#current = command;
      const inspection = this.#inspection;
      if (inspection !== undefined) inspection.started(command);
      try {
        result = this.#invoke(command);
      } catch (error) {
        command.reject(error);
        this.#rejected++;
        if (inspection !== undefined) inspection.settled(command, true, error);
        continue;
      }
      if (result instanceof Promise) {
        this.#index = i;
        this.#async = command;
        if (this.#timed) this.#started(command);
        this.#refill(); // its start made room: admit who waits for it
        this.#await(command, result);
        return;
      }
      command.resolve(result);
      this.#fulfilled++;
      if (inspection !== undefined) inspection.settled(command, false, result);
    }
    this.#more();
  }

  /**
   * A handler's asynchronous part has settled (or timed out): go on with
   * the next command of the batch, or end the inline run.
   */
  readonly #resume = (): void => {
    this.#async = undefined;
    const batch = this.#batch;
    if (batch === undefined) this.#afterNow();
    else this.#run(batch, this.#index + 1);
  };

  /**
   * Runs a command's handler, and for a streamed reply takes its snapshot,
   * with the re-entrancy guards up: a command sent meanwhile from this
   * owner's handler is refused, and one to any other owner is queued.
   * Throws what the handler throws.
   */
  #invoke(command: Command): unknown {
    this.#dispatching = true;
    handlersRunning++;
    try {
      const result = this.#dispatch(command);
      const value = command.kind === VALUE ? result : collect(command, result);
      // Any thenable becomes a native promise here, where reading its
      // `then` may throw (a getter) and so fail this command only; the
      // callers then tell async from sync with a plain `instanceof`.
      return isPromiseLike(value) ? Promise.resolve(value) : value;
    } finally {
      handlersRunning--;
      this.#dispatching = false;
    }
  }

  /**
   * Waits for a handler's asynchronous part, settles its command, then
   * `#resume`s. Without `handlerTimeout` the owner waits for the handler
   * whatever happens, so `#current` is that command until it settles and
   * the callbacks can be shared, not made per command.
   */
  #await(command: Command, result: Promise<unknown>): void {
    if (this.#handlerTimeout !== Infinity) {
      this.#awaitTimed(command, result);
    } else {
      result.then(this.#onValue, this.#onError);
    }
  }

  readonly #onValue = (value: unknown): void => {
    this.#handlerDone(this.#current!, false, value);
    this.#resume();
  };

  readonly #onError = (error: unknown): void => {
    this.#handlerDone(this.#current!, true, error);
    this.#resume();
  };

  /** An asynchronous handler settled: its reply, counted and reported. */
  readonly #handlerDone = (
    command: Command,
    rejected: boolean,
    result: unknown,
  ): void => {
    if (rejected) {
      command.reject(result);
      this.#rejected++;
    } else {
      command.resolve(result);
      this.#fulfilled++;
    }
    if (this.#inspection !== undefined) {
      this.#inspection.settled(command, rejected, result);
    }
  };

  /** A handler ran past `handlerTimeout` (its command already rejected). */
  readonly #handlerStuck = (command: Command): void => {
    this.#rejected++;
    if (this.#inspection !== undefined) this.#inspection.stuck(command);
  };

  /** See `awaitTimed()`: the owner's side of a timed handler. */
  #awaitTimed(command: Command, result: Promise<unknown>): void {
    awaitTimed(
      command,
      result,
      this.#handlerTimeout,
      this.#clock,
      this.#report,
      this.#resume,
      this.#name,
      this.#handlerDone,
      this.#handlerStuck,
    );
  }

  /** `onError`, called as a function (raw chunks, timed-out handlers). */
  readonly #report = (error: unknown): void => {
    this.onError(error);
  };

  /**
   * Stops a closing owner once nothing is left to run. A command pending
   * or waiting keeps the owner `#busy` (`#flush()` clears it only with
   * nothing pending, after `#refill()` had room for every waiting one), so
   * `#busy` covers them; `#now` is an inline handler, sync or async.
   */
  #maybeFinish(): void {
    if (
      this.#phase !== CLOSING || this.#closing || this.#busy ||
      this.#now !== undefined
    ) return;
    this.#closing = true;
    if (this.#writer === undefined) this.#stop();
    else this.#writer.close().then(this.#stop, this.#stop);
  }

  readonly #stop = (): void => {
    if (this.#phase === STOPPED) return;
    this.#phase = STOPPED;
    this.#wakeRoomWaiters(true);
    const onStop = this.onStop;
    this.onStop = undefined;
    try {
      onStop?.();
    } catch (error) {
      this.onError(error);
    }
    this.#resolveClosed();
  };

  #wakeRoomWaiters(all: boolean): void {
    if (this.#roomWaiters.length === 0) return;
    if (!all && this.#queued >= this.#highWaterMark) return;
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  #room(): Promise<void> | void {
    if (this.#queued < this.#highWaterMark || this.#phase !== OPEN) return;
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** A chunk written to the public `writable`: validate, then submit. */
  #writeRaw(chunk: unknown): Promise<void> | void {
    // Wait for room first, then accept: the stream calls the next write()
    // only after this one resolves, so raw writers feel backpressure.
    const room = this.#room();
    if (room === undefined) this.#acceptRaw(chunk);
    else return room.then(() => this.#acceptRaw(chunk));
  }

  #acceptRaw(chunk: unknown): void {
    let command: Command | undefined;
    try {
      command = fromEnvelope(chunk, this.#report);
    } catch (error) {
      // A chunk whose getters throw (a Proxy, say): reported, and the
      // shared writable stays usable for everyone else.
      this.onError(
        new TypeError("Cannot run command: reading the chunk threw", {
          cause: error,
        }),
      );
      return;
    }
    if (command !== undefined) this.submit(command, undefined, true);
  }
}

function reentrancy(command: Command): ReentrancyError {
  return new ReentrancyError(
    `Cannot run "${command.op}" from inside a handler of the same owner: the owner runs one command at a time, so waiting for it would deadlock; do the work in the handler, or send it after the handler returns`,
    { command: command.info() },
  );
}
