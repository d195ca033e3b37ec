import {
  Command,
  type CommandOptions,
  type Envelope,
  VALUE,
} from "../core/command.ts";
import { describe } from "../core/describe.ts";
import { Engine } from "../core/engine.ts";
import { TransitionError } from "../core/errors.ts";
import { isPromiseLike } from "../core/is_promise_like.ts";
import { LiveSource } from "../core/live_stream.ts";
import type {
  MachineConfig,
  MachineSnapshot,
  MachineTransition,
} from "./types.ts";
import type { OwnerOptions } from "../core/options.ts";
import { positiveInteger } from "../core/validate.ts";
import { mergeCommandOptions } from "../core/with.ts";

/**
 * Options for {@linkcode Machine}: those of every owner (the `clock` also
 * drives the state timeouts), plus the watchers' buffer.
 *
 * @example
 * ```ts
 * import { Machine, type MachineOptions } from "@warden/core";
 *
 * const options: MachineOptions = { highWaterMark: 64, watchBuffer: 16 };
 * const m = new Machine({ initial: "a", states: { a: {} } }, options);
 * await m.close();
 * ```
 */
export interface MachineOptions extends OwnerOptions {
  /**
   * How many unread transitions a watcher may fall behind before its
   * stream errors with an `OverflowError`.
   *
   * @default {1024}
   */
  watchBuffer?: number;
}

type Effect = (context: unknown, payload: unknown) => unknown;
type Guard = (context: unknown, payload: unknown) => unknown;

interface Edge {
  readonly target: string;
  readonly guard: Guard | undefined;
  readonly action: Effect | undefined;
}

interface Node {
  readonly on: Map<string, Edge>;
  readonly entry: Effect | undefined;
  readonly exit: Effect | undefined;
  readonly after: readonly (readonly [ms: number, target: string])[];
  readonly final: boolean;
}

type Change = MachineTransition<string, string>;

/** Marks the commands the machine queues itself (start, state timeouts). */
class Token {}

const ACTION = "create Machine";
const STATE_KEYS = new Set(["on", "entry", "exit", "after"]);
const OPS = "send, state, snapshot, can, watch";
const noop = (): void => {};

interface Adopted {
  engine: Engine;
  defaults: CommandOptions | undefined;
  watchBuffer: number;
}

/**
 * An owner whose state is a protocol: named states, the events each one
 * accepts, and where each event leads. The owner enforces the table: an
 * event the current state does not accept (or whose guard says no) is
 * refused with a `TransitionError`, and the state and context stay exactly
 * as they were. Callers can never put the machine in a state the table
 * does not allow.
 *
 * Every method is a command through the owner's stream, run one at a time
 * in the order sent. A transition runs the old state's `exit`, the
 * transition's `action`, then the new state's `entry`, each possibly async,
 * all before the next command starts; they work on a copy of the context
 * that is committed only if all of them succeed. A transition to the same
 * state leaves and re-enters it (its effects run, its timeouts restart).
 *
 * State timeouts (`after: { ms: target }`) are armed on entering a state
 * and disarmed on leaving it; a timer that fires queues its transition
 * behind the commands already sent. If the initial state has an `entry` or
 * `after`, the machine enters it at construction (queues a start command:
 * build such a machine inside a handler in workerd, not at a module's top
 * level); otherwise nothing runs before the first command.
 *
 * @typeParam S The state names, inferred from `config.states`.
 * @typeParam E The event names, inferred from every state's `on`.
 * @typeParam Ctx The context, inferred from `config.context`.
 *
 * @example The seed's connection
 * ```ts
 * import { Machine, TransitionError } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const conn = new Machine({
 *   initial: "idle",
 *   states: {
 *     idle: { on: { send: "inflight", close: "closing" } },
 *     inflight: { on: { done: "idle", close: "closing" } },
 *     closing: {},
 *   },
 * });
 * assert.equal(await conn.send("send"), "inflight");
 * // A second send while in flight is refused; nothing changes.
 * await assert.rejects(conn.send("send"), TransitionError);
 * assert.equal(await conn.state(), "inflight");
 * assert.equal(await conn.send("done"), "idle");
 * await conn.close();
 * ```
 */
export class Machine<
  S extends string,
  E extends string = never,
  Ctx = undefined,
> implements AsyncDisposable {
  static #adopt: Adopted | undefined;
  readonly #engine: Engine;
  readonly #defaults: CommandOptions | undefined;
  readonly #watchBuffer: number;

  /**
   * Constructs a new machine. Throws a `TypeError` or `RangeError` for a
   * config that is not a valid protocol: unknown `initial` or target,
   * non-function guard or effect, bad `after` key, a context that cannot be
   * copied.
   *
   * @param config The protocol: `initial`, `context`, `states`.
   * @param options Queue bound, overflow policy, signal, clock, watch buffer.
   */
  constructor(config: MachineConfig<S, E, Ctx>, options: MachineOptions = {}) {
    const adopt = Machine.#adopt;
    if (adopt !== undefined) {
      Machine.#adopt = undefined;
      this.#engine = adopt.engine;
      this.#defaults = adopt.defaults;
      this.#watchBuffer = adopt.watchBuffer;
      return;
    }
    const core = new Core(config);
    this.#watchBuffer = positiveInteger(
      (options as MachineOptions | null)?.watchBuffer ?? 1024,
      "watchBuffer",
      ACTION,
    );
    const engine = new Engine(
      (command) => core.run(command),
      options,
      "Machine",
    );
    this.#engine = core.engine = engine;
    engine.onStop = () => core.stop();
    this.#defaults = options.timeout === undefined
      ? undefined
      : { timeout: options.timeout };
    core.start();
  }

  /**
   * Sends an event. If the current state accepts it (and its guard agrees),
   * the machine runs `exit`, `action` and `entry`, moves, and resolves the
   * new state. Otherwise it rejects with a `TransitionError` carrying
   * `from` and `event`, and nothing changes. An effect that throws rejects
   * with its error, and nothing changes either (state and context as
   * before). A send that times out or is aborted while its effects run is
   * discarded when they finish. On an idle machine the transition runs
   * before `send()` returns (see `Owner.ask`).
   *
   * @param event The event name.
   * @param payload Passed to the guard and the effects.
   * @returns The state the machine moved to.
   *
   * @example
   * ```ts
   * import { Machine, TransitionError } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const door = new Machine({
   *   initial: "closed",
   *   states: { closed: { on: { open: "open" } }, open: { on: { close: "closed" } } },
   * });
   * assert.equal(await door.send("open"), "open");
   * const error = await door.send("open").catch((e) => e);
   * assert.ok(error instanceof TransitionError);
   * assert.equal(error.from, "open");
   * assert.equal(error.event, "open");
   * await door.close();
   * ```
   */
  send(event: E, payload?: unknown): Promise<S> {
    return this.#engine.call(
      "send",
      payload === undefined ? [event] : [event, payload],
      this.#defaults,
    ) as Promise<S>;
  }

  /**
   * The current state, in the command's turn (after every command sent
   * before it).
   *
   * @example
   * ```ts
   * import { Machine } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const m = new Machine({ initial: "a", states: { a: { on: { go: "b" } }, b: {} } });
   * m.send("go");
   * assert.equal(await m.state(), "b");
   * await m.close();
   * ```
   */
  state(): Promise<S> {
    return this.#engine.call("state", [], this.#defaults) as Promise<S>;
  }

  /**
   * The state and a copy of the context (made with `config.clone`,
   * `structuredClone` by default), taken in the command's turn.
   *
   * @example
   * ```ts
   * import { Machine } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const m = new Machine({
   *   initial: "a",
   *   context: { visits: 0 },
   *   states: { a: { on: { go: "b" } }, b: { entry: (ctx) => void ctx.visits++ } },
   * });
   * await m.send("go");
   * const snap = await m.snapshot();
   * assert.deepEqual(snap, { state: "b", context: { visits: 1 } });
   * snap.context.visits = 99; // a copy: the machine's context is untouched
   * assert.equal((await m.snapshot()).context.visits, 1);
   * await m.close();
   * ```
   */
  snapshot(): Promise<MachineSnapshot<S, Ctx>> {
    return this.#engine.call("snapshot", [], this.#defaults) as Promise<
      MachineSnapshot<S, Ctx>
    >;
  }

  /**
   * Whether `send(event, payload)` would be accepted now: the current
   * state has a transition for it and its guard agrees. Runs no effect.
   *
   * @param event The event name.
   * @param payload Passed to the guard.
   *
   * @example
   * ```ts
   * import { Machine } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const m = new Machine({ initial: "a", states: { a: { on: { go: "b" } }, b: {} } });
   * assert.equal(await m.can("go"), true);
   * await m.send("go");
   * assert.equal(await m.can("go"), false);
   * await m.close();
   * ```
   */
  can(event: E, payload?: unknown): Promise<boolean> {
    return this.#engine.call(
      "can",
      payload === undefined ? [event] : [event, payload],
      this.#defaults,
    ) as Promise<boolean>;
  }

  /**
   * Every transition from now on, as `{ from, event, to }`, until the
   * machine stops (the stream ends) or the reader cancels. A reader that
   * falls more than `watchBuffer` transitions behind gets an
   * `OverflowError` on the stream instead of missing some silently.
   *
   * @example
   * ```ts
   * import { Machine } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const m = new Machine({
   *   initial: "idle",
   *   states: { idle: { on: { send: "inflight" } }, inflight: { on: { done: "idle" } } },
   * });
   * const changes = m.watch();
   * await m.send("send");
   * await m.send("done");
   * await m.close(); // ends the stream
   * assert.deepEqual(await Array.fromAsync(changes), [
   *   { from: "idle", event: "send", to: "inflight" },
   *   { from: "inflight", event: "done", to: "idle" },
   * ]);
   * ```
   */
  watch(): ReadableStream<MachineTransition<S, E>> {
    const { source, readable } = LiveSource.stream<MachineTransition<S, E>>(
      this.#watchBuffer,
    );
    this.#engine.call("watch", [source], this.#defaults).catch(
      (error) => source.error(error),
    );
    return readable;
  }

  /**
   * The same machine, with options for every command sent through the
   * returned object: an abort signal and a time limit.
   *
   * @param options The per-command signal and timeout.
   * @returns A handle that shares this machine's state and queue.
   *
   * @example
   * ```ts
   * import { Machine } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const m = new Machine({ initial: "a", states: { a: { on: { go: "b" } }, b: {} } });
   * assert.equal(await m.with({ timeout: 1000 }).send("go"), "b");
   * await m.close();
   * ```
   */
  with(options: CommandOptions): Machine<S, E, Ctx> {
    Machine.#adopt = {
      engine: this.#engine,
      defaults: mergeCommandOptions(this.#defaults, options, "Machine.with()"),
      watchBuffer: this.#watchBuffer,
    };
    // The constructor adopts the engine; the config is unused.
    return new Machine<S, E, Ctx>(undefined as never);
  }

  /**
   * The machine's command stream; see `Owner.writable`. Ops are `send`
   * (args `[event, payload?]`), `state`, `snapshot` and `can`.
   *
   * @example
   * ```ts
   * import { Machine } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const m = new Machine({ initial: "a", states: { a: { on: { go: "b" } }, b: {} } });
   * const writer = m.writable.getWriter();
   * const to = new Promise((resolve, reject) => {
   *   writer.write({ op: "send", args: ["go"], reply: { resolve, reject } });
   * });
   * assert.equal(await to, "b");
   * await writer.close(); // closes the machine
   * ```
   */
  get writable(): WritableStream<Envelope> {
    return this.#engine.writable;
  }

  /**
   * Refuses new commands with `ClosedError`, runs what is queued, disarms
   * the state timeouts, ends every watcher's stream, then stops.
   * Idempotent.
   *
   * @example
   * ```ts
   * import { ClosedError, Machine } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const m = new Machine({ initial: "a", states: { a: { on: { go: "b" } }, b: {} } });
   * const queued = m.send("go");
   * await m.close();
   * assert.equal(await queued, "b"); // sent before close: it ran
   * await assert.rejects(m.state(), ClosedError);
   * ```
   */
  close(): Promise<void> {
    return this.#engine.close();
  }

  /**
   * Stops now: queued commands reject with `reason` (or `ClosedError`); a
   * transition already running finishes first. Idempotent.
   *
   * @param reason Why: what queued commands reject with.
   *
   * @example
   * ```ts
   * import { Machine } from "@warden/core";
   *
   * const m = new Machine({ initial: "a", states: { a: {} } });
   * await m.abort(new Error("shutting down"));
   * ```
   */
  abort(reason?: unknown): Promise<void> {
    return this.#engine.abort(reason);
  }

  /**
   * Resolves once the machine has stopped, by `close()` or `abort()`.
   *
   * @example
   * ```ts
   * import { Machine } from "@warden/core";
   *
   * const m = new Machine({ initial: "a", states: { a: {} } });
   * m.close();
   * await m.closed;
   * ```
   */
  get closed(): Promise<void> {
    return this.#engine.closed;
  }

  /**
   * Closes the machine: `await using m = new Machine(...)`.
   *
   * @example
   * ```ts
   * import { Machine } from "@warden/core";
   *
   * {
   *   await using m = new Machine({ initial: "a", states: { a: { on: { go: "a" } } } });
   *   await m.send("go");
   * }
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The machine's owned state and the sink logic: the only code touching it. */
class Core {
  engine!: Engine;
  readonly #nodes: Map<string, Node>;
  readonly #events: Set<string>;
  readonly #clone: (context: unknown) => unknown;
  readonly #watchers = new Set<LiveSource<Change>>();
  #state: string;
  #context: unknown;
  /** The current state's armed timers, and the token they carry. */
  #timers: unknown[] = [];
  #token: Token | undefined = undefined;
  #startToken: Token | undefined = undefined;

  constructor(config: unknown) {
    if (typeof config !== "object" || config === null) {
      fail(TypeError, `config must be an object, received ${describe(config)}`);
    }
    const { initial, context, clone, states } = config as Record<
      string,
      unknown
    >;
    if (typeof states !== "object" || states === null) {
      fail(
        TypeError,
        `config.states must be an object of states, received ${
          describe(states)
        }`,
      );
    }
    const names = Object.keys(states);
    if (names.length === 0) {
      fail(
        RangeError,
        "config.states must name at least one state, received an empty object",
      );
    }
    const known = new Set(names);
    const list = names.join(", ");
    if (typeof initial !== "string") {
      fail(
        TypeError,
        `config.initial must be a state name, received ${describe(initial)}`,
      );
    }
    if (!known.has(initial)) {
      fail(
        RangeError,
        `config.initial must name a state (known: ${list}), received ${
          describe(initial)
        }`,
      );
    }
    if (clone !== undefined && typeof clone !== "function") {
      fail(
        TypeError,
        `config.clone must be a function, received ${describe(clone)}`,
      );
    }
    this.#events = new Set();
    this.#nodes = new Map();
    for (const name of names) {
      this.#nodes.set(
        name,
        toNode(
          name,
          (states as Record<string, unknown>)[name],
          known,
          list,
          this.#events,
        ),
      );
    }
    this.#clone = (clone as ((context: unknown) => unknown) | undefined) ??
      cloneStructured;
    this.#state = initial;
    const uncopyable = (value: unknown, cause?: unknown): never => {
      throw new TypeError(
        `Cannot ${ACTION}: config.context must be copyable by ${
          clone === undefined ? "structuredClone" : "config.clone"
        } (a failed transition rolls back to a copy); give config.clone for other contexts, received ${
          describe(value)
        }`,
        { cause },
      );
    };
    try {
      this.#context = context === undefined ? undefined : this.#clone(context);
    } catch (cause) {
      uncopyable(context, cause);
    }
    // structuredClone drops class prototypes without a word: refuse such a
    // context now rather than hand effects a plain object later.
    if (clone === undefined) {
      const lost = lostPrototype(context, this.#context, new Set());
      if (lost !== undefined) uncopyable(lost.value);
    }
  }

  /** Queues the entry of the initial state, if it has anything to run. */
  start(): void {
    const node = this.#nodes.get(this.#state)!;
    if (node.entry === undefined && node.after.length === 0) return;
    const token = this.#startToken = new Token();
    this.engine.submit(
      new Command("start", [token], VALUE, undefined, noop, noop),
      Infinity,
      true,
    );
  }

  /** The owner stopped: disarm the timers, end the watchers. */
  stop(): void {
    this.#disarm();
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers.clear();
  }

  /** The sink: runs one command. */
  run(command: Command): unknown {
    const args = command.args;
    switch (command.op) {
      case "send":
        return this.#send(command, args[0], args[1]);
      case "state":
        return this.#state;
      case "snapshot":
        return { state: this.#state, context: this.#clone(this.#context) };
      case "can":
        return this.#can(args[0], args[1]);
      case "watch":
        return this.#watch(args[0]);
      case "after":
        if (args[0] instanceof Token) {
          return this.#timeout(
            command,
            args[0],
            args[1] as number,
            args[2] as string,
          );
        }
        break;
      case "start":
        if (args[0] instanceof Token && args[0] === this.#startToken) {
          this.#startToken = undefined;
          return this.#enterInitial(command);
        }
        break;
    }
    throw new TypeError(
      `Cannot run "${command.op}": Machine has no such command (known: ${OPS})`,
    );
  }

  /** The transition `event` selects now, or the reason it is refused. */
  #select(event: unknown, payload: unknown): Edge | TransitionError {
    if (typeof event !== "string") {
      throw new TypeError(
        `Cannot send: event must be a string, received ${describe(event)}`,
      );
    }
    const from = this.#state;
    const node = this.#nodes.get(from)!;
    if (node.final) {
      return new TransitionError(from, event, { reason: "final state" });
    }
    const edge = node.on.get(event);
    if (edge === undefined) {
      return new TransitionError(from, event, {
        reason: this.#events.has(event)
          ? "no transition for this event"
          : `unknown event (known: ${[...this.#events].join(", ")})`,
      });
    }
    if (edge.guard !== undefined) {
      const allowed = edge.guard(this.#context, payload);
      if (isPromiseLike(allowed)) {
        throw new TypeError(
          `Cannot send "${event}" in state "${from}": a guard must return a boolean synchronously, received a promise`,
        );
      }
      if (!allowed) {
        return new TransitionError(from, event, { reason: "guard refused" });
      }
    }
    return edge;
  }

  #send(command: Command, event: unknown, payload: unknown): unknown {
    const edge = this.#select(event, payload);
    if (edge instanceof TransitionError) throw edge;
    return this.#transition(
      command,
      event as string,
      edge.target,
      edge.action,
      payload,
    );
  }

  #can(event: unknown, payload: unknown): boolean {
    return !(this.#select(event, payload) instanceof TransitionError);
  }

  /**
   * Runs exit, action, entry on a copy of the context; commits state and
   * context only if all succeed (and the command still wants its reply).
   */
  #transition(
    command: Command,
    event: string,
    target: string,
    action: Effect | undefined,
    payload: unknown,
  ): string | Promise<string> {
    const from = this.#state;
    const exit = this.#nodes.get(from)!.exit;
    const entry = this.#nodes.get(target)!.entry;
    if (exit === undefined && action === undefined && entry === undefined) {
      this.#commit(from, event, target, this.#context);
      return target;
    }
    const effects: Effect[] = [];
    if (exit !== undefined) effects.push(exit);
    if (action !== undefined) effects.push(action);
    if (entry !== undefined) effects.push(entry);
    const draft = this.#clone(this.#context);
    const done = runEffects(effects, 0, draft, payload);
    if (done === undefined) {
      this.#commit(from, event, target, draft);
      return target;
    }
    return done.then(() => {
      // Timed out, aborted or abandoned (handlerTimeout) meanwhile: its
      // caller was told it failed, and later commands may have run.
      if (!command.settled) {
        this.#commit(from, event, target, draft);
        // Reply in the same turn as the commit: a timeout or abort must not
        // slip in between and report a transition that did happen as failed.
        command.resolve(target);
      }
      return target;
    });
  }

  #commit(from: string, event: string, to: string, context: unknown): void {
    this.#state = to;
    this.#context = context;
    this.#disarm();
    this.#arm(to);
    if (this.#watchers.size === 0) return;
    const record: Change = Object.freeze({ from, event, to });
    for (const watcher of this.#watchers) watcher.push(record);
  }

  #enterInitial(command: Command): unknown {
    const state = this.#state;
    const entry = this.#nodes.get(state)!.entry;
    if (entry === undefined) {
      this.#arm(state);
      return undefined;
    }
    const draft = this.#clone(this.#context);
    const entered = () => {
      if (command.settled) return; // abandoned (handlerTimeout)
      this.#context = draft;
      this.#arm(state);
    };
    const failed = (error: unknown) => {
      if (command.settled) return;
      this.engine.onError(error);
      this.#arm(state);
    };
    try {
      const done = runEffects([entry], 0, draft, undefined);
      if (done === undefined) return entered();
      return done.then(entered, failed);
    } catch (error) {
      failed(error);
    }
  }

  #arm(state: string): void {
    const after = this.#nodes.get(state)!.after;
    if (after.length === 0) return;
    const token = this.#token = new Token();
    const clock = this.engine.clock;
    for (const [ms, target] of after) {
      this.#timers.push(
        clock.setTimeout(() => this.#fire(token, ms, target), ms),
      );
    }
  }

  #disarm(): void {
    this.#token = undefined;
    if (this.#timers.length === 0) return;
    const clock = this.engine.clock;
    for (const handle of this.#timers) clock.clearTimeout(handle);
    this.#timers = [];
  }

  /** A state timeout fired: queue its transition like any command. */
  #fire(token: Token, ms: number, target: string): void {
    if (token !== this.#token || this.engine.isClosed) return; // stale
    this.engine.submit(
      new Command("after", [token, ms, target], VALUE, undefined, noop, noop),
      Infinity,
      true,
    );
  }

  /** A queued state timeout runs, unless its state was left meanwhile. */
  #timeout(
    command: Command,
    token: Token,
    ms: number,
    target: string,
  ): unknown {
    if (token !== this.#token) return undefined; // stale
    const report = (error: unknown) => this.engine.onError(error);
    try {
      const done = this.#transition(
        command,
        `after:${ms}`,
        target,
        undefined,
        undefined,
      );
      if (typeof done !== "string") return done.catch(report);
    } catch (error) {
      report(error);
    }
    return undefined;
  }

  #watch(source: unknown): void {
    if (!(source instanceof LiveSource)) {
      throw new TypeError(
        'Cannot run "watch" from a raw command: call Machine.watch() instead',
      );
    }
    if (!source.open) return; // cancelled while queued
    const watcher = source as LiveSource<Change>;
    this.#watchers.add(watcher);
    watcher.onEnd = () => this.#watchers.delete(watcher);
  }
}

/** Runs `effects[i..]` in order; a promise only if one of them is async. */
function runEffects(
  effects: readonly Effect[],
  start: number,
  context: unknown,
  payload: unknown,
): Promise<void> | undefined {
  for (let i = start; i < effects.length; i++) {
    const result = effects[i](context, payload);
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(() =>
        runEffects(effects, i + 1, context, payload)
      );
    }
  }
  return undefined;
}

function cloneStructured(context: unknown): unknown {
  return structuredClone(context);
}

/**
 * The first object in `original` whose copy has another prototype (a class
 * instance that `structuredClone` turned into a plain object), if any.
 */
function lostPrototype(
  original: unknown,
  copy: unknown,
  seen: Set<object>,
): { value: unknown } | undefined {
  if (typeof original !== "object" || original === null) return undefined;
  if (seen.has(original)) return undefined;
  seen.add(original);
  const proto = Object.getPrototypeOf(original);
  if (proto !== Object.getPrototypeOf(copy)) return { value: original };
  let pairs: [unknown, unknown][] = [];
  if (original instanceof Map) {
    const a = [...original];
    const b = [...(copy as Map<unknown, unknown>)];
    a.forEach(([k, v], i) => pairs.push([k, b[i][0]], [v, b[i][1]]));
  } else if (original instanceof Set) {
    const b = [...(copy as Set<unknown>)];
    pairs = [...original].map((v, i) => [v, b[i]]);
  } else if (
    Array.isArray(original) || proto === Object.prototype || proto === null
  ) {
    const target = copy as Record<string, unknown>;
    for (const key of Object.keys(original)) {
      pairs.push([(original as Record<string, unknown>)[key], target[key]]);
    }
  }
  for (const [a, b] of pairs) {
    const lost = lostPrototype(a, b, seen);
    if (lost !== undefined) return lost;
  }
  return undefined;
}

function fail(
  Kind: TypeErrorConstructor | RangeErrorConstructor,
  message: string,
): never {
  throw new Kind(`Cannot ${ACTION}: ${message}`);
}

function optionalFunction(
  value: unknown,
  where: string,
): Effect | undefined {
  if (value === undefined || typeof value === "function") {
    return value as Effect | undefined;
  }
  return fail(
    TypeError,
    `${where} must be a function, received ${describe(value)}`,
  );
}

function targetOf(
  value: unknown,
  where: string,
  known: Set<string>,
  list: string,
): string {
  if (typeof value !== "string") {
    fail(
      TypeError,
      `${where} must be a state name, received ${describe(value)}`,
    );
  }
  if (!known.has(value)) {
    fail(
      RangeError,
      `${where} must name a state (known: ${list}), received ${
        describe(value)
      }`,
    );
  }
  return value;
}

/** Validates one state's config from plain JS and compiles it. */
function toNode(
  name: string,
  config: unknown,
  known: Set<string>,
  list: string,
  events: Set<string>,
): Node {
  const where = `state "${name}"`;
  if (typeof config !== "object" || config === null) {
    fail(TypeError, `${where} must be an object, received ${describe(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!STATE_KEYS.has(key)) {
      fail(
        TypeError,
        `${where} has an unknown key (known: on, entry, exit, after), received ${
          describe(key)
        }`,
      );
    }
  }
  const { on, entry, exit, after } = config as Record<string, unknown>;
  const edges = new Map<string, Edge>();
  if (on !== undefined) {
    if (typeof on !== "object" || on === null) {
      fail(
        TypeError,
        `${where}: on must be an object of transitions, received ${
          describe(on)
        }`,
      );
    }
    const symbols = Object.getOwnPropertySymbols(on);
    if (symbols.length > 0) {
      fail(
        TypeError,
        `${where}: event names must be strings, received ${
          describe(symbols[0])
        }`,
      );
    }
    for (const [event, value] of Object.entries(on)) {
      if (value === undefined) continue;
      const at = `${where}, event "${event}"`;
      events.add(event);
      if (typeof value === "object" && value !== null) {
        const edge = value as Record<string, unknown>;
        edges.set(event, {
          target: targetOf(edge.target, `${at}: target`, known, list),
          guard: optionalFunction(edge.guard, `${at}: guard`),
          action: optionalFunction(edge.action, `${at}: action`),
        });
      } else {
        edges.set(event, {
          target: targetOf(value, at, known, list),
          guard: undefined,
          action: undefined,
        });
      }
    }
  }
  const timeouts: (readonly [number, string])[] = [];
  if (after !== undefined) {
    if (typeof after !== "object" || after === null) {
      fail(
        TypeError,
        `${where}: after must be an object { ms: target }, received ${
          describe(after)
        }`,
      );
    }
    for (const [key, value] of Object.entries(after)) {
      const ms = key.trim() === "" ? NaN : Number(key);
      if (!Number.isFinite(ms) || ms < 0) {
        fail(
          RangeError,
          `${where}: after keys must be non-negative numbers of milliseconds, received ${
            describe(key)
          }`,
        );
      }
      timeouts.push([
        ms,
        targetOf(value, `${where}, after ${key}`, known, list),
      ]);
    }
  }
  return {
    on: edges,
    entry: optionalFunction(entry, `${where}: entry`),
    exit: optionalFunction(exit, `${where}: exit`),
    after: timeouts,
    final: edges.size === 0 && timeouts.length === 0,
  };
}
