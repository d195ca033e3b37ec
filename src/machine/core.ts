import { Command, VALUE } from "../core/command.ts";
import { describe } from "../core/describe.ts";
import type { Engine } from "../core/engine.ts";
import { TransitionError } from "../core/errors.ts";
import { isPromiseLike } from "../core/is_promise_like.ts";
import { LiveSource } from "../core/live_stream.ts";
import {
  ACTION,
  cloneStructured,
  type Edge,
  type Effect,
  fail,
  lostPrototype,
  type Node,
  toNode,
} from "./compile.ts";
import type { MachineTransition } from "./types.ts";

type Change = MachineTransition<string, string>;

/** Marks the commands the machine queues itself (start, state timeouts). */
class Token {}

const OPS = "send, state, snapshot, can, watch";
const noop = (): void => {};

/**
 * A machine's runtime: its owned state and the commands that touch it,
 * run by the engine one at a time (`run()`); the only code touching that
 * state.
 *
 * @internal
 */
export class Core {
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
  /**
   * The state-timeout commands this machine queued and has not run: an
   * "after" command runs only if it is one of them, so one written to
   * `writable` with the args an inspector saw (`inspectValues`) is refused.
   */
  readonly #timeouts = new Set<Command>();

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
    // Nothing is queued yet at construction: the start command always finds
    // room, so it needs no `wait` past a full queue (a state timeout does).
    this.engine.submit(
      new Command("start", [token], VALUE, undefined, noop, noop),
      Infinity,
    );
  }

  /** The owner stopped: disarm the timers, end the watchers. */
  stop(): void {
    this.#disarm();
    // Each watcher's close() ends it, and its onEnd removes it from the set.
    for (const watcher of this.#watchers) watcher.close();
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
        if (this.#timeouts.delete(command)) {
          return this.#timeout(
            command,
            args[0] as Token,
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
    if (edge instanceof TransitionError) {
      const inspection = this.engine.inspection;
      if (inspection !== undefined) {
        inspection.eventRefused(edge.from, edge.event, edge);
      }
      throw edge;
    }
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
    const inspection = this.engine.inspection;
    if (inspection !== undefined) inspection.transition(from, event, to);
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

  /**
   * A state timeout fired: queue its transition like any command. Once the
   * machine closes its timers are left to the stop, which clears them: one
   * firing meanwhile queues nothing (a queued command would be refused). A
   * timer of a state already left cannot fire (`#disarm()` cleared it); the
   * queued command checks its token again when it runs (`#timeout()`).
   */
  #fire(token: Token, ms: number, target: string): void {
    if (this.engine.isClosed) return;
    const command = new Command(
      "after",
      [token, ms, target],
      VALUE,
      undefined,
      noop,
      noop,
    );
    this.#timeouts.add(command);
    this.engine.submit(command, Infinity, true);
    // Refused at once (a clock advanced from inside a handler): it never
    // runs, so the set must not keep it.
    if (command.settled) this.#timeouts.delete(command);
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
