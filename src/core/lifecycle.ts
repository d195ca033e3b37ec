import type { Envelope } from "./command.ts";
import type { Engine } from "./engine.ts";
import type { OwnerStats } from "./inspect.ts";

/**
 * The engine of `value` if it is an owner ({@linkcode Lifecycle}), else
 * `undefined`. A brand check: no getter or Proxy trap of `value` runs.
 * For `serve()` (src/workers), which answers an idle owner's lone calls
 * through the engine at once (see `Engine.answer()`). Not exported from
 * the package; set when this module loads.
 *
 * @internal
 */
export let engineOf: (value: unknown) => Engine | undefined;

/**
 * What every owner ({@linkcode Owner}, {@linkcode Store},
 * {@linkcode Machine}) has besides its commands: the raw command stream,
 * `close()`, `abort()`, `closed` and `await using`. Written once here; each
 * owner extends it. Not constructed directly.
 *
 * @example
 * ```ts
 * import { type Lifecycle, Owner, Store } from "@warden/core";
 *
 * const owners: Lifecycle[] = [
 *   new Store<string, number>(),
 *   new Owner({ n: 0 }, { inc: (s) => ++s.n }),
 * ];
 * await Promise.all(owners.map((owner) => owner.close()));
 * ```
 */
export abstract class Lifecycle implements AsyncDisposable {
  readonly #engine: Engine;

  static {
    engineOf = (value) =>
      typeof value === "object" && value !== null && #engine in value
        ? value.#engine
        : undefined;
  }

  /**
   * Keeps the owner's engine for the members below.
   *
   * @param engine The engine the owner sends its commands through.
   */
  protected constructor(engine: Engine) {
    this.#engine = engine;
  }

  /**
   * The owner's command stream: write {@linkcode Envelope}s to it, or
   * `pipeTo` it from any stream. Ops are an `Owner`'s handler names, a
   * `Store`'s method names (`get`, `set`, …) with their arguments, and a
   * `Machine`'s `send` (args `[event, payload?]`), `state`, `snapshot` and
   * `can`. Writes wait while the queue is full. Closing it closes the owner;
   * aborting it aborts the owner.
   *
   * @example
   * ```ts
   * import { Owner } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const owner = new Owner({ n: 0 }, { add: (s, by: number) => (s.n += by) });
   * const writer = owner.writable.getWriter();
   * const result = new Promise((resolve, reject) => {
   *   writer.write({ op: "add", args: [5], reply: { resolve, reject } });
   * });
   * assert.equal(await result, 5);
   * await writer.close(); // closes the owner
   * ```
   */
  get writable(): WritableStream<Envelope> {
    return this.#engine.writable;
  }

  /**
   * Refuses new commands with `ClosedError`, runs every command already
   * queued, then stops: a `Store`'s and a `Machine`'s watchers' streams
   * end, a `Machine`'s state timeouts are disarmed. Idempotent.
   *
   * @returns Resolves once every queued command has run.
   *
   * @example
   * ```ts
   * import { ClosedError, Owner } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n });
   * const queued = owner.ask("inc");
   * await owner.close();
   * assert.equal(await queued, 1); // queued before close: it ran
   * await assert.rejects(owner.ask("inc"), ClosedError);
   * ```
   */
  close(): Promise<void> {
    return this.#engine.close();
  }

  /**
   * Stops the owner now: every queued command is rejected with `reason`
   * (or a `ClosedError` when no reason is given). A handler already running
   * finishes first. Idempotent.
   *
   * @param reason Why: what queued commands reject with.
   * @returns Resolves once the owner has stopped.
   *
   * @example
   * ```ts
   * import { Owner } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * const owner = new Owner({ n: 0 }, {
   *   slow: () => new Promise((resolve) => setTimeout(resolve, 10)),
   *   inc: (s) => ++s.n,
   * });
   * const running = owner.ask("slow"); // holds the owner: what follows queues
   * const queued = owner.ask("inc");
   * const stopped = owner.abort(new Error("shutting down"));
   * await assert.rejects(queued, { message: "shutting down" });
   * await running; // a running handler finishes
   * await stopped;
   * ```
   */
  abort(reason?: unknown): Promise<void> {
    return this.#engine.abort(reason);
  }

  /**
   * Resolves once the owner has stopped, by `close()` or `abort()`.
   *
   * @example
   * ```ts
   * import { Store } from "@warden/core";
   *
   * const store = new Store<string, number>();
   * store.close();
   * await store.closed;
   * ```
   */
  get closed(): Promise<void> {
    return this.#engine.closed;
  }

  /**
   * The owner's live counters, now: how many commands are queued (and
   * waiting beyond `highWaterMark`), the command whose handler is running
   * asynchronously (op, id, and for how many ms), and totals since the
   * owner started. A frozen plain object; cheap (no command is sent, so it
   * answers even while a handler is stuck). A synchronous handler is never
   * seen running: nothing else runs until it returns.
   *
   * @returns A frozen {@linkcode OwnerStats}.
   *
   * @example Find the handler that holds the owner
   * ```ts
   * import { Owner } from "@warden/core";
   * import assert from "node:assert/strict";
   *
   * let release = () => {};
   * const owner = new Owner({}, {
   *   sync: () => new Promise<void>((resolve) => (release = resolve)),
   *   ping: () => "pong",
   * });
   * const syncing = owner.ask("sync");
   * const ping = owner.ask("ping"); // queued behind it
   * const stats = owner.stats();
   * assert.equal(stats.running?.op, "sync");
   * assert.equal(stats.queued, 1);
   * release();
   * await syncing;
   * assert.equal(await ping, "pong");
   * assert.equal(owner.stats().settled, 2);
   * ```
   */
  stats(): OwnerStats {
    return this.#engine.stats();
  }

  /**
   * Closes the owner: `await using owner = new Owner(...)`.
   *
   * @example
   * ```ts
   * import { Owner } from "@warden/core";
   *
   * {
   *   await using owner = new Owner({ n: 0 }, { inc: (s) => ++s.n });
   *   await owner.ask("inc");
   * } // closed here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
