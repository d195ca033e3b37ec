import type { ServerLink } from "./server_link.ts";
import type { Envelope } from "../core/command.ts";
import { ClosedError } from "../core/errors.ts";
import {
  CALL,
  CANCEL,
  canCross,
  type Carried,
  carried,
  type ClientMessage,
  CLOSED,
  CREDIT,
  FAIL,
  notCloneable,
  OK,
  STREAM,
  toWire,
  WATCH,
} from "./wire.ts";
import type { Server } from "./serve.ts";
import { Forward } from "./forward.ts";

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
  #draining = false;
  #done = false;
  /** Value commands sent to the target and not answered yet. */
  #inFlight = 0;

  constructor(server: Server, link: ServerLink) {
    this.#server = server;
    this.#link = link;
    link.busy = () => this.#inFlight > 0;
    link.onBatch = (batch) => this.#handle(batch, 0);
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
   * of one that has waited.
   */
  #handle(
    batch: ClientMessage[],
    start: number,
    entered = -1,
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
              writer.whenIdle(() => resolve(this.#handle(batch, i, i)))
            );
          }
        }
      }
      switch (message.t) {
        case CALL: {
          const run = () =>
            this.#call(message.id, message.op, message.args, message.s === 1);
          last = context === undefined ? run() : this.#enter(context, run);
          break;
        }
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
  ): Promise<void> {
    let signal = this.#gone.signal;
    if (cancellable) {
      const controller = new AbortController(); // aborted with #gone too
      this.#aborts.set(id, controller);
      signal = controller.signal;
    }
    this.#inFlight++;
    const reply = {
      resolve: (v: unknown) => {
        this.#inFlight--;
        if (cancellable) this.#aborts.delete(id);
        if (canCross(v)) this.send({ t: OK, id, v });
        else {
          this.send({
            t: FAIL,
            id,
            e: toWire(notCloneable(`the reply of "${op}"`)),
          });
        }
      },
      reject: (e: unknown) => {
        this.#inFlight--;
        if (cancellable) this.#aborts.delete(id);
        this.send({ t: FAIL, id, e: toWire(e) });
      },
    };
    return this.#write({ op, args, reply, signal }, reply);
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
