/**
 * Inspection events: what an owner tells an `inspect` function about each
 * command it accepts, runs and settles (see `OwnerOptions.inspect`).
 *
 * For one command the events come in this order:
 *
 * - `accepted` → `started` → (`transition` | `eventRefused`)? → `settled`:
 *   it ran (a Machine's `send` reports its transition, or its refusal,
 *   before `settled`);
 * - `accepted` → `timedOut` | `aborted`, while it was queued: it never
 *   runs, and nothing follows;
 * - `accepted` → `started` → `timedOut` | `aborted` → `settled`: its
 *   caller was freed while the handler ran; the owner still waits for the
 *   handler, and `settled` reports how the handler itself ended;
 * - `accepted` → `started` → (`timedOut` | `aborted`)? → `stuck`: the
 *   handler ran past `handlerTimeout`; the owner moved on, and nothing
 *   follows;
 * - `refused`: never accepted (closed, re-entrant, a full queue with
 *   `overflow: "reject"`, or a signal already aborted); its `id` is 0.
 *
 * `accepted` is emitted synchronously inside the call that sent the
 * command (`ask()`, `set()`, `send()`, a `writable` chunk), so code that
 * reads an ambient context there (OpenTelemetry's `context.active()`) sees
 * the caller's.
 *
 * @module
 */

/**
 * Receives an owner's {@linkcode InspectEvent}s, in order, synchronously.
 * What it returns is ignored: a promise is never awaited (its rejection is
 * reported to `onError`). If it throws, the error goes to the owner's
 * `onError` as an {@linkcode InspectorError}; either way the owner behaves
 * exactly as it would without an inspector.
 *
 * @example Log every event
 * ```ts
 * import { type InspectEvent, type Inspector, Store } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const events: InspectEvent[] = [];
 * const inspect: Inspector = (event) => {
 *   events.push(event);
 * };
 * const store = new Store<string, number>([], { inspect });
 * await store.set("a", 1);
 * assert.deepEqual(events.map((e) => e.type), ["accepted", "started", "settled"]);
 * ```
 */
export type Inspector = (event: InspectEvent) => unknown;

/** Fields every event has. */
export interface InspectEventBase {
  /** The owner's kind: `"Owner"`, `"Store"` or `"Machine"`. */
  readonly owner: string;
  /**
   * Numbers inspected owners (those with an `inspect` option) in the order
   * they were created, 1, 2, 3…, in this realm (thread): with
   * {@linkcode InspectEventBase.id}, it names a command uniquely when one
   * inspector watches several owners.
   */
  readonly ownerId: number;
  /**
   * The command's number on its owner, 1, 2, 3… in the order commands
   * were accepted; 0 for a `refused` command (never accepted).
   */
  readonly id: number;
  /**
   * The operation: an `Owner`'s handler name, a `Store`'s method name
   * (`"get"`, `"set"`…), a `Machine`'s `"send"` (or `"state"`…).
   */
  readonly op: string;
  /**
   * When, in milliseconds: the owner's `clock.now()`, or
   * `performance.now()` when the clock has none.
   */
  readonly at: number;
}

/**
 * A command was accepted: it will run, unless it times out or is aborted
 * first. Emitted inside the caller's call.
 *
 * @example
 * ```ts
 * import type { AcceptedEvent } from "@warden/core";
 *
 * const event: AcceptedEvent = {
 *   type: "accepted", owner: "Store", ownerId: 1, id: 1, op: "set", at: 0, queued: 0,
 * };
 * console.log(event.queued); // 0: it runs at once
 * ```
 */
export interface AcceptedEvent extends InspectEventBase {
  /** Which event: `"accepted"`. */
  readonly type: "accepted";
  /**
   * Commands accepted and not yet started once this one is accepted, this
   * one included (those beyond `highWaterMark` too); 0 when it runs at
   * once, inside the call.
   */
  readonly queued: number;
  /** The command's arguments: present only with `inspectValues: true`. */
  readonly args?: readonly unknown[];
}

/**
 * A command's handler is starting.
 *
 * @example
 * ```ts
 * import type { StartedEvent } from "@warden/core";
 *
 * const event: StartedEvent = {
 *   type: "started", owner: "Store", ownerId: 1, id: 2, op: "get", at: 15, waited: 5,
 * };
 * console.log(`queued for ${event.waited} ms`);
 * ```
 */
export interface StartedEvent extends InspectEventBase {
  /** Which event: `"started"`. */
  readonly type: "started";
  /** Milliseconds between `accepted` and now: 0 when run inside the call. */
  readonly waited: number;
}

/**
 * A command's handler finished: `"fulfilled"` (it returned) or
 * `"rejected"` (it threw, or its promise rejected).
 *
 * @example
 * ```ts
 * import type { SettledEvent } from "@warden/core";
 *
 * const event: SettledEvent = {
 *   type: "settled", owner: "Owner", ownerId: 1, id: 3, op: "save", at: 40,
 *   outcome: "rejected", ran: 25, error: new Error("disk full"),
 * };
 * console.log(event.outcome, event.ran);
 * ```
 */
export interface SettledEvent extends InspectEventBase {
  /** Which event: `"settled"`. */
  readonly type: "settled";
  /** How the handler ended. */
  readonly outcome: "fulfilled" | "rejected";
  /** Milliseconds between `started` and now. */
  readonly ran: number;
  /**
   * What the handler returned (for a streamed reply, the values it
   * produced): present only with `inspectValues: true` and `"fulfilled"`.
   */
  readonly value?: unknown;
  /**
   * What the handler threw: present for every `"rejected"` (an error is
   * how a failure is diagnosed; an inspector that exports it decides what
   * to keep).
   */
  readonly error?: unknown;
}

/**
 * A command was refused before it was accepted: it never runs, its caller
 * rejects with `error`. `id` is 0.
 *
 * - `"closed"`: the owner is closing, closed or aborted (`ClosedError`);
 * - `"reentrant"`: sent from inside a handler of the same owner
 *   (`ReentrancyError`);
 * - `"overflow"`: the queue is full and `overflow` is `"reject"`
 *   (`OverflowError`);
 * - `"aborted"`: its signal was already aborted (`error` is then
 *   `signal.reason`, whatever it is).
 *
 * @example
 * ```ts
 * import { ClosedError, type RefusedEvent } from "@warden/core";
 *
 * const event: RefusedEvent = {
 *   type: "refused", owner: "Store", ownerId: 1, id: 0, op: "set", at: 7,
 *   reason: "closed", error: new ClosedError("Cannot run \"set\": the owner is closed"),
 * };
 * console.log(event.reason);
 * ```
 */
export interface RefusedEvent extends InspectEventBase {
  /** Which event: `"refused"`. */
  readonly type: "refused";
  /** Why it was refused. */
  readonly reason: "overflow" | "closed" | "reentrant" | "aborted";
  /** What the caller rejects with. */
  readonly error: unknown;
}

/**
 * A command's `timeout` passed: its caller rejected with a `TimeoutError`.
 * `"queued"`: it never runs. `"running"`: its handler goes on, the owner
 * waits for it, and a `settled` follows.
 *
 * @example
 * ```ts
 * import type { TimedOutEvent } from "@warden/core";
 *
 * const event: TimedOutEvent = {
 *   type: "timedOut", owner: "Owner", ownerId: 1, id: 4, op: "fetch", at: 1000,
 *   while: "queued", after: 1000,
 * };
 * console.log(`${event.op} gave up after ${event.after} ms`);
 * ```
 */
export interface TimedOutEvent extends InspectEventBase {
  /** Which event: `"timedOut"`. */
  readonly type: "timedOut";
  /** Whether it was still queued or its handler was running. */
  readonly while: "queued" | "running";
  /** The timeout, in milliseconds. */
  readonly after: number;
}

/**
 * An accepted command was aborted: by its own signal, or by the owner's
 * `abort()` (or `signal` option) while it was queued. Its caller rejected
 * with `reason`. If its handler was running, the handler goes on and a
 * `settled` follows.
 *
 * @example
 * ```ts
 * import type { AbortedEvent } from "@warden/core";
 *
 * const event: AbortedEvent = {
 *   type: "aborted", owner: "Store", ownerId: 1, id: 5, op: "update", at: 9,
 *   while: "queued", reason: new Error("shutting down"),
 * };
 * console.log(event.reason);
 * ```
 */
export interface AbortedEvent extends InspectEventBase {
  /** Which event: `"aborted"`. */
  readonly type: "aborted";
  /** Whether it was still queued or its handler was running. */
  readonly while: "queued" | "running";
  /** What the caller rejected with (`signal.reason`, or a `ClosedError`). */
  readonly reason: unknown;
}

/**
 * A handler ran past `handlerTimeout`: its command was rejected, the
 * owner moved on. Nothing follows for this command, even if the handler
 * finishes later.
 *
 * @example
 * ```ts
 * import type { StuckEvent } from "@warden/core";
 *
 * const event: StuckEvent = {
 *   type: "stuck", owner: "Owner", ownerId: 1, id: 6, op: "sync", at: 5000, ran: 5000,
 * };
 * console.log(`${event.op} stuck for ${event.ran} ms`);
 * ```
 */
export interface StuckEvent extends InspectEventBase {
  /** Which event: `"stuck"`. */
  readonly type: "stuck";
  /** Milliseconds between `started` and now (the `handlerTimeout`). */
  readonly ran: number;
}

/**
 * A Machine's `send` moved it: `from` --`event`--> `to` (`to` may equal
 * `from`: a self-transition). Emitted between the command's `started`
 * and `settled`. A state timeout (`after`) runs as a command of its own,
 * op `"after"`, with its own `accepted`/`started`/`settled`; its event is
 * `"after:<ms>"`.
 *
 * @example
 * ```ts
 * import type { TransitionEvent } from "@warden/core";
 *
 * const event: TransitionEvent = {
 *   type: "transition", owner: "Machine", ownerId: 1, id: 1, op: "send", at: 3,
 *   from: "idle", event: "connect", to: "connecting",
 * };
 * console.log(`${event.from} --${event.event}--> ${event.to}`);
 * ```
 */
export interface TransitionEvent extends InspectEventBase {
  /** Which event: `"transition"`. */
  readonly type: "transition";
  /** The state before. */
  readonly from: string;
  /** The event sent. */
  readonly event: string;
  /** The state after. */
  readonly to: string;
}

/**
 * A Machine refused an event (no transition for it in this state, or
 * every guard said no): its caller rejects with `error`, a
 * `TransitionError`. Emitted between the command's `started` and
 * `settled`.
 *
 * @example
 * ```ts
 * import { type EventRefusedEvent, TransitionError } from "@warden/core";
 *
 * const event: EventRefusedEvent = {
 *   type: "eventRefused", owner: "Machine", ownerId: 1, id: 2, op: "send", at: 4,
 *   from: "idle", event: "send", error: new TransitionError("idle", "send"),
 * };
 * console.log(`${event.event} refused in ${event.from}`);
 * ```
 */
export interface EventRefusedEvent extends InspectEventBase {
  /** Which event: `"eventRefused"`. */
  readonly type: "eventRefused";
  /** The state it stayed in. */
  readonly from: string;
  /** The event refused. */
  readonly event: string;
  /** What the caller rejects with. */
  readonly error: unknown;
}

/**
 * Every event an {@linkcode Inspector} receives; tell them apart by
 * `type`.
 *
 * @example
 * ```ts
 * import { type InspectEvent, Owner } from "@warden/core";
 *
 * const lines: string[] = [];
 * const owner = new Owner({ n: 0 }, { inc: (s) => ++s.n }, {
 *   inspect(event: InspectEvent) {
 *     if (event.type === "settled") lines.push(`${event.op} ${event.outcome}`);
 *   },
 * });
 * await owner.ask("inc");
 * console.log(lines); // ["inc fulfilled"]
 * ```
 */
export type InspectEvent =
  | AcceptedEvent
  | StartedEvent
  | SettledEvent
  | RefusedEvent
  | TimedOutEvent
  | AbortedEvent
  | StuckEvent
  | TransitionEvent
  | EventRefusedEvent;

/**
 * An owner's live counters, from `stats()`: cheap enough for a health
 * endpoint (no clock read unless a command is running).
 *
 * @example
 * ```ts
 * import { Store } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const store = new Store<string, number>();
 * await store.set("a", 1);
 * const stats = store.stats();
 * assert.equal(stats.settled, 1);
 * assert.equal(stats.running, undefined);
 * ```
 */
export interface OwnerStats {
  /** Accepted commands waiting to start, within `highWaterMark`. */
  readonly queued: number;
  /** Accepted commands waiting beyond `highWaterMark` (`overflow: "wait"`). */
  readonly waiting: number;
  /**
   * The command whose handler is running asynchronously now: its op, its
   * id (as in the events: the number of commands accepted up to it), and
   * for how many milliseconds it has run.
   */
  readonly running: OwnerStatsRunning | undefined;
  /**
   * Accepted commands whose handler returned, since the owner started
   * (`Store`'s `get`/`set`/`has` run on its idle fast path included).
   */
  readonly settled: number;
  /**
   * Accepted commands whose handler threw or rejected, or that never got
   * to finish: timed out or aborted while queued, or stuck past
   * `handlerTimeout`. A command whose caller was freed by its timeout or
   * signal while its handler ran counts when the handler ends, by how it
   * ended: each accepted command counts once, in `settled` or `rejected`.
   */
  readonly rejected: number;
  /** Commands refused before acceptance (closed, re-entrant, overflow, aborted). */
  readonly refused: number;
}

/**
 * The running command in {@linkcode OwnerStats}.
 *
 * @example
 * ```ts
 * import type { OwnerStatsRunning } from "@warden/core";
 *
 * const running: OwnerStatsRunning = { op: "save", id: 7, for: 1200 };
 * if (running.for > 1000) console.log(`${running.op} (#${running.id}) is slow`);
 * ```
 */
export interface OwnerStatsRunning {
  /** Its op. */
  readonly op: string;
  /** Its id, as in the inspection events. */
  readonly id: number;
  /**
   * Milliseconds since its handler started. An owner without `inspect`
   * reads the clock for this only once `stats()` has been called: for a
   * handler already running at that first call, it counts from the call.
   */
  readonly for: number;
}
