import type { Clock } from "../core/clock.ts";
import {
  AFTER,
  BYE,
  CALL,
  type ClientMessage,
  CLOSED,
  GRANT,
  HELLO,
  isFrame,
  type LoneAnswer,
  OK,
  PING,
  type ServerMessage,
} from "./wire.ts";
import { control, MAX_BATCH, unref } from "./channel.ts";

/** Options of the server's end of a channel. */
export interface ServerLinkOptions {
  /** Transfer streams (the runtime can), or use the port alone. */
  streams: boolean;
  window: number;
  heartbeat: number;
  clock: Clock;
}

/**
 * The server's end of a channel.
 *
 * @internal
 */
export class ServerLink {
  /**
   * A batch from the client. Return a promise to hold the next batch back
   * until it settles (backpressure to the client).
   */
  onBatch: (batch: ClientMessage[]) => void | Promise<void> = () => {};
  /**
   * A lone call that came over the port (the fast path): answer it with
   * {@linkcode reply}. Return a promise only to hold what comes next.
   */
  onCall: (message: ClientMessage) => void | Promise<void> = () => {};
  /** The client is gone: closed, terminated, or silent past the heartbeat. */
  onLost: () => void = () => {};

  readonly #port: MessagePort;
  readonly #mode: "stream" | "port";
  readonly #options: ServerLinkOptions;
  #pending: ServerMessage[] = [];
  #scheduled = false;
  #commands: WritableStreamDefaultController | undefined;
  /**
   * What came over the port, in order: batches (port mode), and lone calls
   * (the fast path, either mode), each waiting for the one before.
   */
  #inbox: (ClientMessage[] | ClientMessage)[] = [];
  /** The id of the last fast call taken in (stream mode's `AFTER`). */
  #fastDone = 0;
  /** A stream batch that waits for fast call `id` (see `AFTER`). */
  #after:
    | {
      id: number;
      batch: ClientMessage[];
      resolve: (done: void | Promise<void>) => void;
    }
    | undefined = undefined;
  #consuming = false;
  #owed = 0;
  #closed = false;
  #alive = true;
  #timer: unknown = undefined;

  constructor(port: MessagePort, options: ServerLinkOptions) {
    this.#port = port;
    this.#options = options;
    port.addEventListener("message", this.#onPort);
    port.addEventListener("close", () => this.#lose());
    port.start();
    if (options.streams) {
      this.#mode = "stream";
      const commands = new WritableStream<ClientMessage[]>({
        start: (controller) => {
          this.#commands = controller;
        },
        write: (batch) => {
          this.#alive = true;
          if (this.#closed) return;
          const first = batch[0];
          if (first?.t === AFTER && first.id > this.#fastDone) {
            return new Promise<void>((resolve) => {
              this.#after = { id: first.id, batch, resolve };
            });
          }
          return this.onBatch(batch);
        },
        close: () => this.#lose(),
        abort: () => this.#lose(),
      });
      // Replies go over the port in both modes: one message, no stream
      // chunk plus pull; streamed items are paced by CREDIT anyway.
      port.postMessage({ t: HELLO, mode: "stream", commands }, [
        commands as unknown as Transferable,
      ]);
    } else {
      this.#mode = "port";
      port.postMessage({ t: HELLO, mode: "port", window: options.window });
    }
    if (options.heartbeat !== Infinity) this.#arm();
  }

  /** The transport chosen for this channel. */
  get mode(): "stream" | "port" {
    return this.#mode;
  }

  /** Queues a message; all messages of one turn go as one batch. */
  send(message: ServerMessage): void {
    if (this.#closed) return;
    this.#pending.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  /**
   * The answer to a fast call, posted at once as one bare message (after
   * whatever is queued, to keep the order): an `OK` as a
   * {@linkcode LoneAnswer} frame.
   */
  reply(message: ServerMessage): void {
    if (this.#closed) return;
    if (this.#pending.length > 0 || this.#owed > 0) this.#flushNow();
    try {
      this.#port.postMessage(
        message.t === OK
          ? [message.id, message.v] satisfies LoneAnswer
          : message,
      );
    } catch {
      this.#lose(); // as #flushNow
    }
  }

  /** Sends what is queued, then ends the channel from this side. */
  close(): void {
    if (this.#closed) return;
    this.#flushNow();
    this.#closed = true;
    this.#teardown();
  }

  readonly #onPort = (event: MessageEvent): void => {
    this.#alive = true;
    const data: unknown = event.data;
    const array = Array.isArray(data);
    if (array || control(data) === CALL) {
      if (this.#closed) return;
      // A lone call, as a frame or (with `s` or `c`) a message; its
      // fields are checked where they are used (serve_channel.ts).
      const lone = !array
        ? data as ClientMessage
        : isFrame(data)
        ? { t: CALL, id: data[0], op: data[1], args: data[2] } as ClientMessage
        : undefined;
      if (lone !== undefined && !this.#consuming && this.#inbox.length === 0) {
        // A lone call with nothing before it: straight in.
        const held = this.#take(lone);
        if (held === undefined) this.#fastIn(lone.id);
        else this.#hold(held, lone.id);
        return;
      }
      this.#inbox.push(lone ?? data as ClientMessage[]);
      if (!this.#consuming) this.#consume();
      return;
    }
    if (control(data) === BYE) {
      if (this.#closed) this.#port.close();
      else this.#lose();
    }
  };

  /**
   * What came over the port, one at a time, in order; a batch's credit
   * back once consumed (a fast call takes none).
   */
  #consume(): void {
    this.#consuming = true;
    while (this.#inbox.length > 0 && !this.#closed) {
      const entry = this.#inbox[0];
      this.#inbox = this.#inbox.length === 1 ? [] : this.#inbox.slice(1);
      const fast = !Array.isArray(entry);
      let result: void | Promise<void>;
      if (fast) result = this.#take(entry);
      else {
        try {
          result = this.onBatch(entry);
        } catch {
          result = undefined;
        }
      }
      const n = fast ? 0 : entry.length;
      if (result !== undefined) {
        const done = () => this.#consumed(n, fast ? entry.id : 0);
        result.then(done, done);
        return;
      }
      if (fast) this.#fastIn(entry.id);
      else this.#grant(n);
    }
    this.#consuming = false;
  }

  /** Hands a fast call over; a promise when it holds what follows. */
  #take(message: ClientMessage): void | Promise<void> {
    try {
      return this.onCall(message);
    } catch {
      return undefined;
    }
  }

  /**
   * A lone call holds what follows until `held` settles. (A method of its
   * own: a closure in `#onPort` would cost every message a scope.)
   */
  #hold(held: Promise<void>, id: number): void {
    this.#consuming = true;
    const done = () => this.#consumed(0, id);
    held.then(done, done);
  }

  #consumed(n: number, fastId: number): void {
    if (fastId > 0) this.#fastIn(fastId);
    else this.#grant(n);
    this.#consume();
  }

  /** Fast call `id` is in: a stream batch waiting for it may go. */
  #fastIn(id: number): void {
    this.#fastDone = id;
    const after = this.#after;
    if (after !== undefined && after.id <= id) {
      this.#after = undefined;
      after.resolve(this.onBatch(after.batch));
    }
  }

  #grant(n: number): void {
    if (n === 0) return;
    this.#owed += n;
    if (!this.#scheduled && !this.#closed) {
      this.#scheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  /**
   * Whether replies are still expected soon (commands in flight): the
   * batch then waits for them, up to one macrotask, so a burst of commands
   * goes back as a few large batches rather than many small ones.
   */
  busy: () => boolean = () => false;
  #later: ReturnType<typeof setTimeout> | undefined = undefined;

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#closed) return;
    if (this.#pending.length < MAX_BATCH && this.busy()) {
      this.#later ??= setTimeout(this.#flushLater, 0);
      return;
    }
    this.#flushNow();
  };

  readonly #flushLater = (): void => {
    this.#later = undefined;
    if (!this.#closed) this.#flushNow();
  };

  #flushNow(): void {
    if (this.#later !== undefined) {
      clearTimeout(this.#later);
      this.#later = undefined;
    }
    if (this.#owed > 0) {
      this.#pending.push({ t: GRANT, n: this.#owed });
      this.#owed = 0;
    }
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#port.postMessage(batch);
    } catch {
      // A value the pre-check let through: the client cannot be told
      // which one; losing the channel is the honest outcome.
      this.#lose();
    }
  }

  #arm(): void {
    const { clock, heartbeat } = this.#options;
    this.#timer = clock.setTimeout(() => {
      if (this.#closed) return;
      if (!this.#alive) {
        this.#lose();
        return;
      }
      this.#alive = false;
      try {
        this.#port.postMessage({ t: PING });
      } catch {
        this.#lose();
        return;
      }
      this.#arm();
    }, heartbeat);
    const timer = this.#timer as { unref?: () => void } | undefined;
    if (typeof timer === "object" && typeof timer?.unref === "function") {
      timer.unref();
    }
  }

  #lose(): void {
    if (this.#closed) return;
    this.#closed = true;
    // A client dropped for silence may still be there, on a runtime that
    // fires no close event for the port (Deno): tell it, or its pending
    // calls would wait for good. (A transferred reply stream's end used
    // to tell it.)
    try {
      this.#port.postMessage([{
        t: CLOSED,
        reason: "the serving side went away",
      }]);
    } catch {
      // Gone indeed.
    }
    this.#teardown();
    this.onLost();
  }

  #teardown(): void {
    this.#options.clock.clearTimeout(this.#timer);
    if (this.#later !== undefined) clearTimeout(this.#later);
    this.#inbox = [];
    const after = this.#after;
    this.#after = undefined;
    after?.resolve(); // the channel is done: the batch is dropped
    try {
      this.#commands?.error(new Error("channel closed"));
    } catch {
      // Already errored.
    }
    unref(this.#port);
    this.#port.close();
  }
}
