import type { ServerLink } from "./server_link.ts";
import type { Envelope } from "../core/command.ts";
import type { Engine } from "../core/engine.ts";
import { ClosedError, OverflowError } from "../core/errors.ts";
import {
  CALL,
  CANCEL,
  type Carried,
  carried,
  type ClientMessage,
  CLOSED,
  CREDIT,
  type ServerMessage,
  STREAM,
  WATCH,
} from "./wire.ts";
import type { Server } from "./serve.ts";
import { Forward } from "./forward.ts";
import { answerOf, Call } from "./serve_call.ts";

/** The empty fast-call slot's arguments. */
const NO_ARGS: readonly unknown[] = [];

/**
 * One client's channel, on the serving side.
 *
 * @internal
 */
export class Channel {
  readonly #server: Server;
  readonly #link: ServerLink;
  readonly #streams = new Map<number, Forward>();
  readonly #aborts = new Map<number, AbortController>();
  /**
   * Aborted when the channel ends: this client's commands still queued at
   * the owner never run (a ClosedError told the client they would not).
   */
  readonly #gone = new AbortController();
  /** This channel's commands' options: its signal (see `#gone`). */
  readonly #options = { signal: this.#gone.signal };
  #draining = false;
  #done = false;
  /** Value commands sent to the target and not answered yet. */
  #inFlight = 0;

  constructor(server: Server, link: ServerLink) {
    this.#server = server;
    this.#link = link;
    link.busy = () => this.#inFlight > 0;
    link.onBatch = (batch) => this.#handle(batch, 0);
    link.onCall = (message) => this.#fastCall(message);
    link.onLost = () => this.#lost();
  }

  get done(): boolean {
    return this.#done;
  }

  send(message: Parameters<ServerLink["send"]>[0]): void {
    if (!this.#done) this.#link.send(message);
  }

  /** The target closed: end once every open stream has ended. */
  drain(): void {
    this.#draining = true;
    if (this.#streams.size === 0) this.finish("the owner is closed");
  }

  /** Ends the channel: what the client still waits for gets ClosedError. */
  finish(reason: string): void {
    if (this.#done) return;
    this.send({ t: CLOSED, reason });
    this.#link.close();
    this.#end();
  }

  streamEnded(id: number): void {
    this.#streams.delete(id);
    if (this.#draining && this.#streams.size === 0) {
      this.finish("the owner is closed");
    }
  }

  #lost(): void {
    this.#end();
  }

  #end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#server.drop(this);
    for (const forward of [...this.#streams.values()]) forward.cancel();
    this.#streams.clear();
    const gone = new ClosedError("The client's channel ended");
    this.#gone.abort(gone);
    for (const controller of this.#aborts.values()) controller.abort(gone);
    this.#aborts.clear();
  }

  /**
   * Runs a batch in order; resolves once the target accepted it. A command
   * carrying a context (with `enter` set) waits for the target's writable
   * to be idle, and the rest of the batch with it; `entered` is the index
   * of one that has waited. `fast`: a lone call from the port, answered
   * at once.
   */
  #handle(
    batch: ClientMessage[],
    start: number,
    entered = -1,
    fast = false,
  ): void | Promise<void> {
    let last: Promise<void> | undefined;
    const enter = this.#server.enter;
    for (let i = start; i < batch.length; i++) {
      if (this.#done) return last;
      const message = batch[i];
      let context: Carried | undefined;
      if (
        enter !== undefined && message.t <= WATCH &&
        (message as { c?: unknown }).c !== undefined
      ) {
        context = carried((message as { c?: unknown }).c);
        if (context !== undefined && i !== entered) {
          const writer = this.#server.writer;
          if (!writer.idle) {
            return new Promise<void>((resolve) =>
              writer.whenIdle(() => resolve(this.#handle(batch, i, i, fast)))
            );
          }
        }
      }
      switch (message.t) {
        case CALL:
          last = context === undefined
            ? this.#call(
              message.id,
              message.op,
              message.args,
              message.s === 1,
              fast,
            )
            : this.#enter(context, () =>
              this.#call(
                message.id,
                message.op,
                message.args,
                message.s === 1,
                fast,
              ));
          break;
        case STREAM: {
          const forward = new Forward(
            this,
            message.id,
            message.op,
            message.credit,
          );
          this.#streams.set(message.id, forward);
          const run = () =>
            this.#write({
              op: message.op,
              args: message.args,
              reply: forward.writable,
              signal: this.#gone.signal,
            }, forward);
          last = context === undefined ? run() : this.#enter(context, run);
          break;
        }
        case WATCH: {
          // Direct call: it must not overtake this client's earlier commands.
          if (last !== undefined) {
            return last.then(() => this.#handle(batch, i));
          }
          const run = () =>
            this.#watch(message.id, message.args, message.credit);
          if (context === undefined) run();
          else this.#enter(context, run);
          break;
        }
        case CREDIT:
          this.#streams.get(message.id)?.grant(message.n);
          break;
        case CANCEL:
          this.#streams.get(message.id)?.cancel();
          this.#aborts.get(message.id)?.abort(
            new DOMException("The client cancelled the command", "AbortError"),
          );
          break;
      }
    }
    return last;
  }

  /**
   * `run()` inside the server's `enter`. An `enter` that throws or never
   * calls `run` does not lose the command: it runs here, outside.
   */
  #enter<T>(context: Carried, run: () => T): T {
    let ran = false;
    let result!: T;
    const once = (): T => {
      if (!ran) {
        ran = true;
        result = run();
      }
      return result;
    };
    try {
      this.#server.enter!(context, once);
    } catch {
      // The command was submitted (or is, below); enter's own error has no
      // one to go to but the serving thread's code, which gave it.
    }
    return once();
  }

  #call(
    id: number,
    op: string,
    args: readonly unknown[],
    cancellable: boolean,
    fast: boolean,
  ): Promise<void> {
    let signal = this.#gone.signal;
    if (cancellable) {
      const controller = new AbortController(); // aborted with #gone too
      this.#aborts.set(id, controller);
      signal = controller.signal;
    }
    this.#inFlight++;
    const call = new Call(this, id, op, args, signal, cancellable, fast);
    return this.#write(call, call);
  }

  /**
   * A lone call from the port. Its write needs no waiting for (the client
   * has nothing else outstanding, and the writable keeps the order); only
   * one that waits to enter its context holds what follows.
   */
  #fastCall(message: ClientMessage): void | Promise<void> {
    if (this.#done || message.t !== CALL) return;
    if (
      this.#server.enter !== undefined &&
      (message as { c?: unknown }).c !== undefined
    ) return this.#handle([message], 0, -1, true);
    const { id, op, args } = message;
    const engine = this.#server.engine;
    if (
      message.s !== 1 && engine !== undefined && typeof op === "string" &&
      Array.isArray(args) && this.#server.writer.idle
    ) {
      this.#toEngine(engine, id, op, args);
      return;
    }
    this.#call(id, op, args, message.s === 1, true);
  }

  /**
   * A fast call to an owner whose writable has nothing queued or in
   * flight: straight to its engine, which runs an idle owner's command at
   * once, with no stream write, envelope or queued command, and hands a
   * synchronous reply to `#loneAnswered` inside the call (no promise, no
   * microtask: answered as a plain `postMessage` server would). Same order
   * (the writable is empty), same signal; an owner whose queue is full
   * refuses the call where a write waits for room, so then it is written.
   *
   * A client following the protocol has at most one fast call unanswered,
   * so the call waits in this channel's one slot (`#lone*`) with two
   * reactions made once, not in a `Call` with two closures of its own;
   * a second one while the slot is taken (a client that does not follow
   * the protocol) is answered all the same, the general way.
   */
  #toEngine(
    engine: Engine,
    id: number,
    op: string,
    args: readonly unknown[],
  ): void {
    this.#inFlight++;
    const lone = !this.#lone;
    if (lone) {
      this.#lone = true;
      this.#loneId = id;
      this.#loneOp = op;
      this.#loneArgs = args;
    }
    let reply: Promise<unknown> | undefined;
    try {
      reply = lone
        ? engine.answer(op, args, this.#options, this.#loneAnswered)
        : engine.call(op, args, this.#options);
    } catch (error) {
      reply = Promise.reject(error);
    }
    if (reply === undefined) return; // answered already
    if (lone) reply.then(this.#loneAnswered, this.#loneRefused);
    else this.#answerOutsideSlot(reply, id, op, args);
  }

  /**
   * A second fast call while the slot is taken. (A method of its own: its
   * closures would cost every `#toEngine()` a scope.)
   */
  #answerOutsideSlot(
    reply: Promise<unknown>,
    id: number,
    op: string,
    args: readonly unknown[],
  ): void {
    const call = new Call(this, id, op, args, this.#gone.signal, false, true);
    reply.then(
      (value) => call.resolve(value),
      (error) => this.#refused(call, error),
    );
  }

  /** Whether the slot holds a fast call awaiting its reply. */
  #lone = false;
  #loneId = 0;
  #loneOp = "";
  #loneArgs: readonly unknown[] = NO_ARGS;

  readonly #loneAnswered = (value: unknown): void => {
    const id = this.#loneId;
    this.#lone = false;
    this.#loneArgs = NO_ARGS;
    this.settled(id, false);
    this.answer(answerOf(id, this.#loneOp, value), true);
  };

  readonly #loneRefused = (error: unknown): void => {
    this.#lone = false;
    const args = this.#loneArgs;
    this.#loneArgs = NO_ARGS;
    this.#refused(
      new Call(
        this,
        this.#loneId,
        this.#loneOp,
        args,
        this.#gone.signal,
        false,
        true,
      ),
      error,
    );
  };

  /** A fast call refused: written instead when the queue was full. */
  #refused(call: Call, error: unknown): void {
    if (error instanceof OverflowError && !this.#done) {
      this.#write(call, call);
    } else call.reject(error);
  }

  /** A call has its answer (see `Call`). */
  settled(id: number, cancellable: boolean): void {
    this.#inFlight--;
    if (cancellable) this.#aborts.delete(id);
  }

  /** Sends a call's answer: batched, or at once and bare when `fast`. */
  answer(message: ServerMessage, fast: boolean): void {
    if (this.#done) return;
    if (fast) this.#link.reply(message);
    else this.#link.send(message);
  }

  #write(
    envelope: Envelope,
    onError: { reject(reason: unknown): void },
  ): Promise<void> {
    try {
      return this.#server.writer.write(envelope).catch((reason) =>
        onError.reject(
          new ClosedError(`Cannot run "${envelope.op}": the owner is closed`, {
            command: { op: envelope.op, args: envelope.args ?? [] },
            cause: reason,
          }),
        )
      );
    } catch (reason) {
      // Node 20 throws synchronously on a closed stream.
      onError.reject(reason);
      return Promise.resolve();
    }
  }

  #watch(id: number, args: readonly unknown[], credit: number): void {
    const forward = new Forward(this, id, "watch", credit);
    this.#streams.set(id, forward);
    const target = this.#server.target;
    if (typeof target.watch !== "function") {
      forward.reject(
        new TypeError(
          'Cannot run "watch": the served object has no watch() (serve a Store or a Machine)',
        ),
      );
      return;
    }
    let readable: ReadableStream<unknown>;
    try {
      readable = target.watch(...(args as never[]));
    } catch (error) {
      forward.reject(error);
      return;
    }
    forward.pump(readable);
  }
}
