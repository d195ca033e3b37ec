import type { CommandOptions } from "./core/command.ts";
import { STREAM } from "./core/command.ts";
import { describe } from "./core/describe.ts";
import { Engine } from "./core/engine.ts";
import { applyHandler, type StateHandler } from "./core/handler.ts";
import type { OwnerOptions } from "./core/options.ts";
import { Lifecycle } from "./core/lifecycle.ts";
import { Share } from "./core/share.ts";
import { mergeCommandOptions } from "./core/with.ts";

/** A handler: gets the owned state first, then the caller's arguments. */
export type Handler<S> = (state: S, ...args: never[]) => unknown;

/** The handler table an {@linkcode Owner} is built from. */
export type Handlers<S> = Record<string, Handler<S>>;

/** The caller's arguments of a handler (everything after the state). */
export type ArgsOf<F> = F extends (state: never, ...args: infer A) => unknown
  ? A
  : never;

/** What `ask()` resolves to for a handler: its awaited return value. */
export type ReplyOf<F> = F extends (...args: never[]) => infer R ? Awaited<R>
  : never;

/** The item type a streaming handler yields (iterable or async iterable). */
export type ItemOf<F> = ReplyOf<F> extends Iterable<infer T> ? T
  : ReplyOf<F> extends AsyncIterable<infer T> ? T
  : never;

/**
 * The names of the handlers that return an iterable or async iterable,
 * other than a string (which `stream()` refuses: it would stream its
 * characters).
 */
export type StreamOps<H> = {
  [K in keyof H & string]: ReplyOf<H[K]> extends string ? never
    : ReplyOf<H[K]> extends Iterable<unknown> | AsyncIterable<unknown> ? K
    : never;
}[keyof H & string];

/**
 * A single owner of a piece of state: Go's stateful goroutine. The state is
 * touched only by the handlers, and handlers run one at a time, in the order
 * commands were sent, each to completion (an async handler finishes before
 * the next command starts). Check-then-act across `await` cannot race.
 *
 * Commands travel through a `WritableStream` ({@linkcode Owner.writable}):
 * on a busy owner its sink runs them in turn; on an idle one the command
 * runs at once, inside the call, as a `write()` to an idle stream runs its
 * sink. `writable`, `close()`, `abort()`, `closed` and `await using` come
 * from {@linkcode Lifecycle}.
 *
 * @typeParam S The owned state.
 * @typeParam H The handler table; `ask()` and `stream()` are typed from it.
 *
 * @example The async race, removed
 * ```ts
 * import { Owner } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const account = new Owner({ balance: 100 }, {
 *   async withdraw(state, amount: number) {
 *     if (state.balance < amount) throw new RangeError("insufficient funds");
 *     await new Promise((r) => setTimeout(r, 1)); // e.g. an audit log write
 *     state.balance -= amount;
 *     return state.balance;
 *   },
 * });
 * const results = await Promise.allSettled([
 *   account.ask("withdraw", 80),
 *   account.ask("withdraw", 80),
 * ]);
 * assert.equal(results[0].status, "fulfilled");
 * assert.equal(results[1].status, "rejected"); // never a negative balance
 * await account.close();
 * ```
 */
export class Owner<S, H extends Handlers<S>> extends Lifecycle {
  readonly #engine: Engine;
  readonly #defaults: CommandOptions | undefined;
  /** The owned state and the handlers, for the engine's idle path. */
  readonly #state: S;
  readonly #table: Map<string, StateHandler<S>>;

  /**
   * Constructs a new owner. No stream is created until the first command,
   * so an owner may be built at a module's top level, even in workerd.
   *
   * @param state The state to own. Only handlers touch it from now on.
   * @param handlers The commands: `(state, ...args) => reply`, sync or async.
   * @param options Queue bound, overflow policy, owner-wide signal, clock.
   */
  constructor(state: S, handlers: H, options: OwnerOptions = {}) {
    // From `with()`: a second handle on an existing owner (see Share).
    const parts = Share.partsOf<OwnerParts<S>>(state) ??
      ownerParts(state, handlers, options);
    super(parts.engine);
    this.#engine = parts.engine;
    this.#defaults = parts.defaults;
    this.#state = parts.state;
    this.#table = parts.table;
  }

  /**
   * Runs a handler in the owner's turn and resolves its result. A handler
   * that throws or rejects fails this command only.
   *
   * On an idle owner (nothing queued or running) the handler runs at once,
   * before `ask()` returns, as a `write()` to an idle `WritableStream` runs
   * its sink; on a busy one it waits its turn. Rely on the reply, not on
   * which of the two happened.
   *
   * @param op The handler's name.
   * @param args The handler's arguments after the state.
   * @returns The handler's (awaited) return value.
   *
   * @example
   * ```ts
   * import { Owner } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const counter = new Owner({ n: 0 }, {
   *   add: (state, by: number) => (state.n += by),
   * });
   * assert.equal(await counter.ask("add", 2), 2);
   * await counter.close();
   * ```
   */
  ask<K extends keyof H & string>(
    op: K,
    ...args: ArgsOf<H[K]>
  ): Promise<ReplyOf<H[K]>> {
    if (typeof op !== "string") return Promise.reject(badOp("ask", op));
    const handler = this.#table.get(op);
    // Up to two arguments go on as parameters, not as the array: an idle
    // owner's `ask()` then allocates nothing but its reply (optimizing
    // engines drop an array that is only read element by element).
    const count = args.length;
    if (handler !== undefined && count <= 2) {
      return this.#engine.callHandler(
        handler,
        this.#state,
        op,
        count,
        args[0],
        args[1],
        this.#defaults,
      ) as Promise<ReplyOf<H[K]>>;
    }
    return this.#engine.call(op, args, this.#defaults) as Promise<
      ReplyOf<H[K]>
    >;
  }

  /**
   * Runs a handler that returns an iterable or async iterable and streams
   * what it yields. The values are collected in the owner's turn (a
   * consistent snapshot), then read at the reader's pace: a slow reader
   * never holds up the owner. Cancelling the stream before the command runs
   * means it never runs. A handler that returns a string errors the stream
   * with a `TypeError` (it would stream its characters).
   *
   * @param op The handler's name; it must return an iterable, not a string.
   * @param args The handler's arguments after the state.
   * @returns A stream of the values the handler yields.
   *
   * @example
   * ```ts
   * import { Owner } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const log = new Owner({ lines: ["a", "b", "c"] }, {
   *   tail: (state, n: number) => state.lines.slice(-n),
   * });
   * const tail = [];
   * for await (const line of log.stream("tail", 2)) tail.push(line);
   * assert.deepEqual(tail, ["b", "c"]);
   * await log.close();
   * ```
   */
  stream<K extends StreamOps<H>>(
    op: K,
    ...args: ArgsOf<H[K]>
  ): ReadableStream<ItemOf<H[K]>> {
    if (typeof op !== "string") {
      const error = badOp("stream", op);
      return new ReadableStream({
        start: (controller) => controller.error(error),
      });
    }
    return this.#engine.callStream<ItemOf<H[K]>>(
      op,
      args,
      STREAM,
      this.#defaults,
    );
  }

  /**
   * The same owner, with options for every command sent through the
   * returned object: an abort signal and a time limit.
   *
   * @param options The per-command signal and timeout.
   * @returns An owner handle that shares this owner's state and queue.
   *
   * @example
   * ```ts
   * import { Owner, TimeoutError } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const owner = new Owner({}, { slow: () => new Promise((r) => setTimeout(r, 100)) });
   * const error = await owner.with({ timeout: 5 }).ask("slow").catch((e) => e);
   * assert.ok(error instanceof TimeoutError);
   * await owner.close();
   * ```
   */
  with(options: CommandOptions): Owner<S, H> {
    const parts: OwnerParts<S> = {
      engine: this.#engine,
      defaults: mergeCommandOptions(this.#defaults, options, "Owner.with()"),
      state: this.#state,
      table: this.#table,
    };
    return sharedOwner<S, H>(parts);
  }
}

/**
 * The copy `with()` returns, made outside the class on purpose: a class body
 * that names its own class is renamed by esbuild (`var Owner = class
 * _Owner`), and `Owner()` without `new` would then say "_Owner".
 */
function sharedOwner<S, H extends Handlers<S>>(
  parts: OwnerParts<S>,
): Owner<S, H> {
  return new Owner<S, H>(new Share(parts) as never, undefined as never);
}

/** From plain JS, `op` may be anything; messages must not choke on it. */
function badOp(action: string, op: unknown): TypeError {
  return new TypeError(
    `Cannot ${action}: op must be a handler name (a string), received ${
      describe(op)
    }`,
  );
}

/** What a handle on an owner holds; `with()` copies share all but `defaults`. */
interface OwnerParts<S> {
  readonly engine: Engine;
  readonly defaults: CommandOptions | undefined;
  readonly state: S;
  readonly table: Map<string, StateHandler<S>>;
}

/** Checks the handlers and builds a new owner's engine. */
function ownerParts<S>(
  state: S,
  handlers: unknown,
  options: OwnerOptions,
): OwnerParts<S> {
  if (typeof handlers !== "object" || handlers === null) {
    throw new TypeError(
      `Cannot create Owner: handlers must be an object of functions, received ${
        describe(handlers)
      }`,
    );
  }
  const table = new Map<string, StateHandler<S>>();
  for (const [op, fn] of Object.entries(handlers)) {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot create Owner: handler "${op}" must be a function, received ${
          describe(fn)
        }`,
      );
    }
    table.set(op, fn as StateHandler<S>);
  }
  const engine = new Engine(
    (command) => {
      const fn = table.get(command.op);
      if (fn === undefined) {
        throw new TypeError(
          `Cannot run "${command.op}": no handler by that name (known: ${
            [...table.keys()].join(", ") || "none"
          })`,
        );
      }
      return applyHandler(fn, state, command.args);
    },
    options,
    "Owner",
  );
  // No per-command defaults: the `timeout` option is the engine's own
  // default, which every command sent without one falls back to.
  return { engine, defaults: undefined, state, table };
}
