import type { Clock } from "../core/clock.ts";
import {
  BYE,
  type ClientMessage,
  GRANT,
  HELLO,
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
  /** The client is gone: closed, terminated, or silent past the heartbeat. */
  onLost: () => void = () => {};

  readonly #port: MessagePort;
  readonly #mode: "stream" | "port";
  readonly #options: ServerLinkOptions;
  #pending: ServerMessage[] = [];
  #scheduled = false;
  #replies: ReadableStreamDefaultController<ServerMessage[]> | undefined;
  #commands: WritableStreamDefaultController | undefined;
  /** Port mode: batches waiting for the previous one to be consumed. */
  #inbox: ClientMessage[][] = [];
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
          if (!this.#closed) return this.onBatch(batch);
        },
        close: () => this.#lose(),
        abort: () => this.#lose(),
      });
      const replies = new ReadableStream<ServerMessage[]>({
        start: (controller) => {
          this.#replies = controller;
        },
        cancel: () => this.#lose(),
      });
      port.postMessage({ t: HELLO, mode: "stream", commands, replies }, [
        commands as unknown as Transferable,
        replies as unknown as Transferable,
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
   * Sends what is queued, then ends the channel from this side. With
   * streams, the port stays open (unref'd) until the client says goodbye:
   * closing it now could overtake the replies still in the stream.
   */
  close(): void {
    if (this.#closed) return;
    this.#flushNow();
    this.#closed = true;
    this.#teardown(this.#mode === "port");
  }

  readonly #onPort = (event: MessageEvent): void => {
    this.#alive = true;
    const data: unknown = event.data;
    if (Array.isArray(data)) {
      if (this.#closed) return;
      this.#inbox.push(data as ClientMessage[]);
      if (!this.#consuming) this.#consume();
      return;
    }
    if (control(data) === BYE) {
      if (this.#closed) this.#port.close();
      else this.#lose();
    }
  };

  /** Port mode: one batch at a time, in order; credit back once consumed. */
  #consume(): void {
    this.#consuming = true;
    while (this.#inbox.length > 0 && !this.#closed) {
      const batch = this.#inbox[0];
      this.#inbox = this.#inbox.length === 1 ? [] : this.#inbox.slice(1);
      let result: void | Promise<void>;
      try {
        result = this.onBatch(batch);
      } catch {
        result = undefined;
      }
      if (result !== undefined) {
        result.then(
          () => this.#consumed(batch.length),
          () => this.#consumed(batch.length),
        );
        return;
      }
      this.#grant(batch.length);
    }
    this.#consuming = false;
  }

  #consumed(n: number): void {
    this.#grant(n);
    this.#consume();
  }

  #grant(n: number): void {
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
    if (this.#mode === "stream") {
      this.#replies!.enqueue(batch);
      return;
    }
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
    this.#teardown();
    this.onLost();
  }

  #teardown(closePort = true): void {
    this.#options.clock.clearTimeout(this.#timer);
    if (this.#later !== undefined) clearTimeout(this.#later);
    this.#inbox = [];
    try {
      this.#replies?.close();
    } catch {
      // Already closed or cancelled.
    }
    try {
      this.#commands?.error(new Error("channel closed"));
    } catch {
      // Already errored.
    }
    unref(this.#port);
    if (closePort) this.#port.close();
  }
}
