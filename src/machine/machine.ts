import type { Command, CommandOptions } from "../core/command.ts";
import { Engine } from "../core/engine.ts";
import { LiveSource } from "../core/live_stream.ts";
import { ACTION } from "./compile.ts";
import { Core } from "./core.ts";
import type {
  MachineConfig,
  MachineSnapshot,
  MachineTransition,
} from "./types.ts";
import type { OwnerOptions } from "../core/options.ts";
import { positiveInteger } from "../core/validate.ts";
import { Lifecycle } from "../core/lifecycle.ts";
import { Share } from "../core/share.ts";
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
> extends Lifecycle {
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
    // From `with()`: a second handle on an existing machine (see Share).
    const parts = Share.partsOf<MachineParts>(config) ??
      machineParts(config, options);
    super(parts.engine);
    this.#engine = parts.engine;
    this.#defaults = parts.defaults;
    this.#watchBuffer = parts.watchBuffer;
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
   * Through `with({ signal })`, the signal aborting ends the stream with its
   * reason and unsubscribes, at any time. `with({ timeout })` bounds only
   * the subscription (the watch command), never the life of the watch.
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
   * const seen = [];
   * for await (const change of changes) seen.push(change);
   * assert.deepEqual(seen, [
   *   { from: "idle", event: "send", to: "inflight" },
   *   { from: "inflight", event: "done", to: "idle" },
   * ]);
   * ```
   */
  watch(): ReadableStream<MachineTransition<S, E>> {
    const { source, readable } = LiveSource.stream<MachineTransition<S, E>>(
      this.#watchBuffer,
    );
    source.follow(this.#defaults?.signal);
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
    const parts: MachineParts = {
      engine: this.#engine,
      defaults: mergeCommandOptions(this.#defaults, options, "Machine.with()"),
      watchBuffer: this.#watchBuffer,
    };
    return sharedMachine<S, E, Ctx>(parts);
  }
}

/**
 * The copy `with()` returns, made outside the class on purpose: a class body
 * that names its own class is renamed by esbuild (`var Machine = class
 * _Machine`), and `Machine()` without `new` would then say "_Machine".
 */
function sharedMachine<S extends string, E extends string, Ctx>(
  parts: MachineParts,
): Machine<S, E, Ctx> {
  return new Machine<S, E, Ctx>(new Share(parts) as never);
}

/** What a handle on a machine holds; `with()` copies share all but `defaults`. */
interface MachineParts {
  readonly engine: Engine;
  readonly defaults: CommandOptions | undefined;
  readonly watchBuffer: number;
}

/** Compiles the config, then builds a new machine's engine and starts it. */
function machineParts(config: unknown, options: MachineOptions): MachineParts {
  const core = new Core(config);
  const watchBuffer = positiveInteger(
    (options as MachineOptions | null)?.watchBuffer ?? 1024,
    "watchBuffer",
    ACTION,
  );
  const engine = new Engine(
    (command) => core.run(command),
    options,
    "Machine",
  );
  core.engine = engine;
  engine.label = sendLabel;
  engine.onStop = () => core.stop();
  core.start();
  // No per-command defaults: the `timeout` option is the engine's own
  // default, which every command sent without one falls back to.
  return { engine, defaults: undefined, watchBuffer };
}

/** Names a Machine's command in messages: `send` with its event. */
function sendLabel(command: Command): string {
  const event = command.args[0];
  return command.op === "send" && typeof event === "string"
    ? `"send" (event "${event}")`
    : `"${command.op}"`;
}
