/**
 * The error classes warden rejects with. Each has a stable `name` and carries
 * the data a caller needs to recover: the command that was not run, the
 * state and event of a refused transition.
 *
 * @module
 */

/** A command as a caller issued it: the operation name and its arguments. */
export interface CommandInfo {
  /** The operation (handler) name. */
  readonly op: string;
  /** The arguments, as passed by the caller. */
  readonly args: readonly unknown[];
}

/**
 * The owner is closed (or closing) and will not run this command. The
 * command that was refused is carried in {@linkcode ClosedError.command} so
 * the caller can retry it elsewhere.
 *
 * @example Recover the refused command
 * ```ts
 * import { ClosedError, Store } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const store = new Store<string, number>();
 * await store.close();
 * const error = await store.set("a", 1).catch((e) => e);
 * assert.ok(error instanceof ClosedError);
 * assert.deepEqual(error.command, { op: "set", args: ["a", 1] });
 * ```
 */
export class ClosedError extends Error {
  /** The command that was not run, when there is one. */
  readonly command: CommandInfo | undefined;

  /**
   * Constructs a new instance.
   *
   * @param message The error message.
   * @param options The command that was refused, and an optional cause.
   */
  constructor(
    message = "Owner is closed",
    options: { command?: CommandInfo; cause?: unknown } = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = "ClosedError";
    this.command = options.command;
  }
}

/**
 * A bounded buffer is full: the owner's command queue (with
 * `overflow: "reject"`), or a watcher's buffer when its reader fell behind.
 *
 * @example A full queue refuses with OverflowError
 * ```ts
 * import { OverflowError, Owner } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const owner = new Owner({ n: 0 }, { inc: async (s) => ++s.n }, {
 *   highWaterMark: 1,
 *   overflow: "reject",
 * });
 * const first = owner.ask("inc"); // runs, and holds the owner until it settles
 * const second = owner.ask("inc"); // waits behind it: the queue's one place
 * const error = await owner.ask("inc").catch((e) => e);
 * assert.ok(error instanceof OverflowError);
 * assert.equal(error.limit, 1);
 * assert.equal(await first, 1);
 * assert.equal(await second, 2);
 * ```
 */
export class OverflowError extends Error {
  /** The bound that was reached. */
  readonly limit: number;
  /** The command that was refused, when a command was refused. */
  readonly command: CommandInfo | undefined;

  /**
   * Constructs a new instance.
   *
   * @param message The error message.
   * @param options The bound that was reached and the refused command.
   */
  constructor(
    message: string,
    options: { limit: number; command?: CommandInfo },
  ) {
    super(message);
    this.name = "OverflowError";
    this.limit = options.limit;
    this.command = options.command;
  }
}

/**
 * A command did not finish within its `timeout`.
 *
 * @example
 * ```ts
 * import { Owner, TimeoutError } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const owner = new Owner({}, {
 *   slow: () => new Promise<void>((resolve) => setTimeout(resolve, 50)),
 * });
 * const error = await owner.with({ timeout: 1 }).ask("slow").catch((e) => e);
 * assert.ok(error instanceof TimeoutError);
 * assert.equal(error.timeout, 1);
 * await owner.close();
 * ```
 */
export class TimeoutError extends Error {
  /** The time limit that passed, in milliseconds. */
  readonly timeout: number;
  /** The command that timed out. */
  readonly command: CommandInfo | undefined;

  /**
   * Constructs a new instance.
   *
   * @param message The error message.
   * @param options The time limit and the command.
   */
  constructor(
    message: string,
    options: { timeout: number; command?: CommandInfo },
  ) {
    super(message);
    this.name = "TimeoutError";
    this.timeout = options.timeout;
    this.command = options.command;
  }
}

/**
 * A handler called its own owner synchronously (`owner.ask(...)` inside a
 * handler, before the handler's first `await`). The owner runs one command
 * at a time, so a handler that waits for a command to its own owner waits
 * forever: the call is refused instead. Do the work inside the handler, or
 * send the command after the handler has returned.
 *
 * Only the synchronous part of a handler is checked: a call made after an
 * `await` inside an async handler cannot be told apart from any other
 * caller's. Awaiting it deadlocks; `handlerTimeout` reports such a handler.
 *
 * @example
 * ```ts
 * import { Owner, ReentrancyError } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const owner: Owner<{ n: number }, {
 *   inc: (s: { n: number }) => number;
 *   twice: (s: { n: number }) => Promise<number>;
 * }> = new Owner({ n: 0 }, {
 *   inc: (s) => ++s.n,
 *   twice: async () => (await owner.ask("inc")) + (await owner.ask("inc")),
 * });
 * const error = await owner.ask("twice").catch((e) => e);
 * assert.ok(error instanceof ReentrancyError);
 * assert.deepEqual(error.command, { op: "inc", args: [] });
 * assert.equal(await owner.ask("inc"), 1); // the owner serves on
 * await owner.close();
 * ```
 */
export class ReentrancyError extends Error {
  /** The command the handler tried to send to its own owner. */
  readonly command: CommandInfo | undefined;

  /**
   * Constructs a new instance.
   *
   * @param message The error message.
   * @param options The refused command.
   */
  constructor(message: string, options: { command?: CommandInfo } = {}) {
    super(message);
    this.name = "ReentrancyError";
    this.command = options.command;
  }
}

/**
 * A state machine refused an event: no transition for it in the current
 * state, a guard said no, or the machine is in a final state. The state and
 * context are left exactly as they were.
 *
 * @example
 * ```ts
 * import { TransitionError } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const error = new TransitionError("inflight", "send");
 * assert.equal(error.from, "inflight");
 * assert.equal(error.event, "send");
 * assert.equal(error.name, "TransitionError");
 * ```
 */
export class TransitionError extends Error {
  /** The state the machine was in. */
  readonly from: string;
  /** The event that was refused. */
  readonly event: string;

  /**
   * Constructs a new instance.
   *
   * @param from The state the machine was in.
   * @param event The refused event.
   * @param options An optional reason (appended to the message) and cause.
   */
  constructor(
    from: string,
    event: string,
    options: { reason?: string; cause?: unknown } = {},
  ) {
    super(
      `Cannot send "${event}" in state "${from}": ${
        options.reason ?? "no transition for this event"
      }`,
      "cause" in options ? { cause: options.cause } : undefined,
    );
    this.name = "TransitionError";
    this.from = from;
    this.event = event;
  }
}

/**
 * An `inspect` function threw (or its promise rejected): reported to the
 * owner's `onError` with the inspector's error as `cause`. The owner went
 * on exactly as it would have without an inspector.
 *
 * @example
 * ```ts
 * import { InspectorError, Store } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const reported: unknown[] = [];
 * const store = new Store<string, number>([], {
 *   inspect: () => {
 *     throw new Error("exporter down");
 *   },
 *   onError: (error) => reported.push(error),
 * });
 * await store.set("a", 1); // unaffected
 * assert.equal(await store.get("a"), 1);
 * assert.ok(reported[0] instanceof InspectorError);
 * assert.equal(reported[0].event, "accepted");
 * ```
 */
export class InspectorError extends Error {
  /** The `type` of the event the inspector failed on. */
  readonly event: string;

  /**
   * Constructs a new instance.
   *
   * @param event The type of the event the inspector failed on.
   * @param options What the inspector threw, as `cause`.
   */
  constructor(event: string, options: { cause?: unknown } = {}) {
    super(
      `The inspector failed on a "${event}" event; the owner carried on`,
      "cause" in options ? { cause: options.cause } : undefined,
    );
    this.name = "InspectorError";
    this.event = event;
  }
}
