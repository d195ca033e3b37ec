import type { Command } from "./command.ts";
import { InspectorError } from "./errors.ts";
import type {
  AbortedEvent,
  AcceptedEvent,
  InspectEvent,
  Inspector,
  RefusedEvent,
  SettledEvent,
  TransitionEvent,
} from "./inspect.ts";
import { isPromiseLike } from "./is_promise_like.ts";

/** An inspected command's numbers, from `accepted` to its last event. */
interface Probe {
  readonly id: number;
  readonly op: string;
  readonly acceptedAt: number;
  startedAt: number;
}

/** Inspected owners made so far in this realm: the next one's `ownerId`. */
let owners = 0;

/** `accepted()`'s `queued` for a command that runs at once (see `inline()`). */
const INLINE = -1;

/**
 * An event being built: the optional fields (`args`, `value`, `error`) are
 * added only when they are present, so an event without them has no such
 * key at all.
 */
type Building<E> = { -readonly [K in keyof E]: E[K] };

/**
 * An owner's `inspect` option at work: builds each event and hands it to
 * the inspector, so that an inspector that throws or returns a rejected
 * promise is reported to `onError` (as an `InspectorError`) and can change
 * nothing else. The engine makes one only when `inspect` is set, and
 * checks for it with one `!== undefined` at each point that emits: with
 * `inspect` unset nothing here runs.
 *
 * @internal
 */
export class Inspection {
  readonly #inspector: Inspector;
  readonly #report: (error: unknown) => void;
  readonly #owner: string;
  readonly #ownerId: number = ++owners;
  /** Whether events carry args and values (`inspectValues`). */
  readonly #values: boolean;
  /** The clock's time, in ms. */
  readonly time: () => number;
  /** Accepted commands not yet at their last event. */
  readonly #probes = new Map<Command, Probe>();
  /** The command whose handler runs now (a Machine's transitions name it). */
  #running: Probe | undefined = undefined;
  /**
   * The command run inline and its probe, kept out of `#probes`: an idle
   * owner's commands reuse one spare command, and a `set` and `delete` on
   * the map for each of them cost more than the rest of the inspection.
   */
  #inlineCommand: Command | undefined = undefined;
  #inlineProbe: Probe | undefined = undefined;

  constructor(
    inspector: Inspector,
    values: boolean,
    owner: string,
    time: () => number,
    report: (error: unknown) => void,
  ) {
    this.#inspector = inspector;
    this.#values = values;
    this.#owner = owner;
    this.time = time;
    this.#report = report;
  }

  /** Calls the inspector; nothing it does reaches the owner but `onError`. */
  #emit(event: InspectEvent): void {
    try {
      const returned = this.#inspector(event);
      if (isPromiseLike(returned)) {
        Promise.resolve(returned).then(
          undefined,
          (error) => this.#failed(event.type, error),
        );
      }
    } catch (error) {
      this.#failed(event.type, error);
    }
  }

  #failed(type: string, error: unknown): void {
    try {
      this.#report(new InspectorError(type, { cause: error }));
    } catch {
      // onError itself failed: nowhere left to report to.
    }
  }

  /** `command` was accepted, `queued` now waiting (0: it runs at once). */
  accepted(
    command: Command,
    id: number,
    op: string,
    args: readonly unknown[],
    queued: number,
  ): void {
    const at = this.time();
    const probe: Probe = { id, op, acceptedAt: at, startedAt: at };
    if (queued === INLINE) {
      this.#inlineCommand = command;
      this.#inlineProbe = this.#running = probe;
      queued = 0;
    } else this.#probes.set(command, probe);
    const event: Building<AcceptedEvent> = {
      type: "accepted",
      owner: this.#owner,
      ownerId: this.#ownerId,
      id,
      op,
      at,
      queued,
    };
    if (this.#values) event.args = args;
    this.#emit(event);
  }

  /** `command` was accepted and starts at once, inside the call. */
  inline(
    command: Command,
    id: number,
    op: string,
    args: readonly unknown[],
  ): void {
    this.accepted(command, id, op, args, INLINE);
    // Started when accepted: `waited` is 0.
    this.#started(this.#inlineProbe!);
  }

  /** `command`'s handler starts. */
  started(command: Command): void {
    const probe = this.#probe(command);
    if (probe === undefined) return;
    probe.startedAt = this.time();
    this.#running = probe;
    this.#started(probe);
  }

  /** Emits `started` for `probe`, at its `startedAt`. */
  #started(probe: Probe): void {
    const at = probe.startedAt;
    this.#emit({
      type: "started",
      owner: this.#owner,
      ownerId: this.#ownerId,
      id: probe.id,
      op: probe.op,
      at,
      waited: at - probe.acceptedAt,
    });
  }

  /**
   * The command run inline, the engine's spare, is now `to`: its handler
   * went async, and `Engine.callHandler()` gave it a command of its own.
   * That is the only caller, right after `inline()` for the spare and the
   * handler's synchronous part (which can end only queued commands of this
   * owner), so the spare is still the inline command, and `to` is new.
   * (`#runNow()` keeps its spare as the command: nothing to rekey.)
   */
  rekey(to: Command): void {
    this.#inlineCommand = to;
  }

  /** `command`'s handler finished: threw (`rejected`) or returned `result`. */
  settled(command: Command, rejected: boolean, result: unknown): void {
    const probe = this.#take(command);
    if (probe === undefined) return;
    const at = this.time();
    const event: Building<SettledEvent> = {
      type: "settled",
      owner: this.#owner,
      ownerId: this.#ownerId,
      id: probe.id,
      op: probe.op,
      at,
      ran: at - probe.startedAt,
      outcome: rejected ? "rejected" : "fulfilled",
    };
    // The error always (see `SettledEvent.error`), the value on request.
    if (rejected) event.error = result;
    else if (this.#values) event.value = result;
    this.#emit(event);
  }

  refused(op: string, reason: RefusedEvent["reason"], error: unknown): void {
    this.#emit({
      type: "refused",
      owner: this.#owner,
      ownerId: this.#ownerId,
      id: 0,
      op,
      at: this.time(),
      reason,
      error,
    });
  }

  /**
   * `command`'s `timeout` passed; `running`: its handler goes on (its
   * `settled` follows), else this is its last event.
   */
  timedOut(command: Command, after: number, running: boolean): void {
    const fields = this.#interrupted(command, running);
    if (fields !== undefined) {
      this.#emit({ type: "timedOut", ...fields, after });
    }
  }

  /** `command` was aborted with `reason`; `running` as in `timedOut()`. */
  aborted(command: Command, reason: unknown, running: boolean): void {
    const fields = this.#interrupted(command, running);
    if (fields !== undefined) {
      this.#emit({ type: "aborted", ...fields, reason });
    }
  }

  /**
   * What a `timedOut` and an `aborted` event share; undefined for a
   * command not inspected (or already at its last event). Queued, this is
   * the command's last event.
   */
  #interrupted(
    command: Command,
    running: boolean,
  ): Omit<AbortedEvent, "type" | "reason"> | undefined {
    const probe = running ? this.#probe(command) : this.#take(command);
    if (probe === undefined) return undefined;
    return {
      owner: this.#owner,
      ownerId: this.#ownerId,
      id: probe.id,
      op: probe.op,
      at: this.time(),
      while: running ? "running" : "queued",
    };
  }

  /** `command`'s handler ran past `handlerTimeout`: its last event. */
  stuck(command: Command): void {
    const probe = this.#take(command);
    if (probe === undefined) return;
    const at = this.time();
    this.#emit({
      type: "stuck",
      owner: this.#owner,
      ownerId: this.#ownerId,
      id: probe.id,
      op: probe.op,
      at,
      ran: at - probe.startedAt,
    });
  }

  /** A Machine's running command moved it `from` --`event`--> `to`. */
  transition(from: string, event: string, to: string): void {
    this.#emit({ type: "transition", ...this.#sent(from, event), to });
  }

  /** A Machine's running command sent an event it refused. */
  eventRefused(from: string, event: string, error: unknown): void {
    this.#emit({ type: "eventRefused", ...this.#sent(from, event), error });
  }

  /** What a `transition` and an `eventRefused` event share. */
  #sent(
    from: string,
    event: string,
  ): Omit<TransitionEvent, "type" | "to"> {
    const probe = this.#running;
    return {
      owner: this.#owner,
      ownerId: this.#ownerId,
      id: probe?.id ?? 0,
      op: probe?.op ?? "",
      at: this.time(),
      from,
      event,
    };
  }

  /**
   * The probe of an accepted command not yet ended. Undefined only for a
   * command never accepted or already at its last event, which the engine
   * never passes (it reports each command's end once, and only what it
   * accepted); the callers check for it all the same, so that a slip in
   * that bookkeeping could never throw inside the engine's run loop: the
   * inspection must change nothing.
   */
  #probe(command: Command): Probe | undefined {
    return command === this.#inlineCommand
      ? this.#inlineProbe
      : this.#probes.get(command);
  }

  /** The probe of a command that ends now, forgotten (as `#probe()`). */
  #take(command: Command): Probe | undefined {
    let probe: Probe | undefined;
    if (command === this.#inlineCommand) {
      probe = this.#inlineProbe;
      this.#inlineCommand = this.#inlineProbe = undefined;
    } else {
      probe = this.#probes.get(command);
      this.#probes.delete(command);
    }
    if (this.#running === probe) this.#running = undefined;
    return probe;
  }
}
