/**
 * The transport under `serve()` / `connect()`: one channel per client,
 * carrying batches of protocol messages (see wire.ts) both ways.
 *
 * Every channel starts with a `MessagePort` the client creates and posts to
 * the endpoint. Over it the server answers `HELLO` with the transport it
 * chose, by feature detection (never by runtime name):
 *
 * - "stream": where streams are transferable (Node, Deno, browsers), the
 *   server transfers a `WritableStream` (commands) and a `ReadableStream`
 *   (replies); their own backpressure paces the client.
 * - "port": where they are not (Bun 1.4 refuses with `DataCloneError`),
 *   the same batches go over the port itself, with a credit window: the
 *   client sends at most `window` messages the server has not consumed.
 *
 * The port stays as the control line either way: liveness (`PING`/`PONG`,
 * and the port's `close` event where the runtime fires one) and `BYE`.
 *
 * @internal
 * @module
 */
import type { Clock } from "../core/clock.ts";
import {
  BYE,
  type ClientMessage,
  GRANT,
  HELLO,
  PING,
  PONG,
  type ServerMessage,
} from "./wire.ts";

/** At most this many messages per batch: keeps stream queues shallow. */
export const MAX_BATCH = 1024;

let transferable: boolean | undefined;

/** Whether this runtime can transfer streams; detected once. */
export function canTransferStreams(): boolean {
  if (transferable === undefined) {
    try {
      const stream = new ReadableStream();
      const copy = structuredClone(stream, { transfer: [stream] });
      transferable = copy instanceof ReadableStream;
      // Cancel the copy: Deno keeps the process alive for an open one.
      copy.cancel().catch(() => {});
    } catch {
      transferable = false;
    }
  }
  return transferable;
}

/** The handshake reply. */
type Hello =
  | {
    t: typeof HELLO;
    mode: "stream";
    commands: WritableStream<ClientMessage[]>;
    replies: ReadableStream<ServerMessage[]>;
  }
  | { t: typeof HELLO; mode: "port"; window: number };

function isHello(data: unknown): data is Hello {
  return typeof data === "object" && data !== null &&
    (data as { t?: unknown }).t === HELLO;
}

function control(data: unknown): number | undefined {
  return typeof data === "object" && data !== null && !Array.isArray(data)
    ? (data as { t?: number }).t
    : undefined;
}

/** A Node `MessagePort` keeps the thread alive unless unref'd. */
function unref(port: MessagePort): void {
  const maybe = port as MessagePort & { unref?: () => void };
  if (typeof maybe.unref === "function") maybe.unref();
}

/**
 * The client's end of a channel.
 *
 * @internal
 */
export class ClientLink {
  /** Batches from the server. */
  onBatch: (batch: ServerMessage[]) => void = () => {};
  /** The channel is gone (server closed it, or its thread went away). */
  onLost: (reason: string) => void = () => {};
  /** A batch could not be posted (a value the pre-check missed). */
  onUnsent: (batch: ClientMessage[], error: unknown) => void = () => {};

  readonly #port: MessagePort;
  #mode: "stream" | "port" | undefined = undefined;
  #pending: ClientMessage[] = [];
  #scheduled = false;
  #credit = 0;
  #writer: WritableStreamDefaultWriter<ClientMessage[]> | undefined;
  #reader: ReadableStreamDefaultReader<ServerMessage[]> | undefined;
  #writing = false;
  #closed = false;

  constructor(post: (port: MessagePort) => void) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    port1.addEventListener("message", this.#onPort);
    port1.addEventListener(
      "close",
      () => this.#lose("the serving side went away"),
    );
    port1.start();
    post(port2);
  }

  /** The transport the server chose, once it has answered. */
  get mode(): "stream" | "port" | undefined {
    return this.#mode;
  }

  /** Queues a message; all messages of one turn go as one batch. */
  send(message: ClientMessage): void {
    if (this.#closed) return;
    this.#pending.push(message);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  /** Whether the channel is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Lets the thread exit while nothing is pending (Node). */
  idle(yes: boolean): void {
    const port = this.#port as MessagePort & {
      ref?: () => void;
      unref?: () => void;
    };
    if (yes) port.unref?.();
    else port.ref?.();
  }

  /** Says goodbye and tears the channel down. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#port.postMessage({ t: BYE });
    } catch {
      // The port is already gone.
    }
    this.#teardown();
  }

  readonly #onPort = (event: MessageEvent): void => {
    const data: unknown = event.data;
    if (Array.isArray(data)) {
      this.#receive(data as ServerMessage[]);
      return;
    }
    if (isHello(data)) {
      if (data.mode === "stream") {
        this.#mode = "stream";
        // Only the reply stream's end (or the port's close) means the
        // server is gone: its replies may still be in flight when the
        // command stream errors on a graceful close.
        this.#writer = data.commands.getWriter();
        this.#writer.closed.catch(() => {});
        const reader = this.#reader = data.replies.getReader();
        this.#read(reader);
      } else {
        this.#mode = "port";
        this.#credit = data.window;
      }
      this.#flush();
      return;
    }
    if (control(data) === PING && !this.#closed) {
      this.#port.postMessage({ t: PONG });
    }
  };

  async #read(
    reader: ReadableStreamDefaultReader<ServerMessage[]>,
  ): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.#receive(value);
      }
    } catch {
      // Errored: handled as lost below.
    }
    this.#lose("the reply stream ended");
  }

  #receive(batch: ServerMessage[]): void {
    if (this.#closed) return;
    let granted = false;
    for (let i = 0; i < batch.length; i++) {
      const message = batch[i];
      if (message.t === GRANT) {
        this.#credit += message.n;
        granted = true;
      }
    }
    this.onBatch(batch);
    if (granted) this.#flush();
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#closed || this.#pending.length === 0) return;
    if (this.#mode === "port") {
      const n = Math.min(this.#credit, MAX_BATCH, this.#pending.length);
      if (n <= 0) return;
      const batch = this.#take(n);
      this.#credit -= n;
      try {
        this.#port.postMessage(batch);
      } catch (error) {
        this.#credit += n; // never consumed by the server
        this.onUnsent(batch, error);
      }
      if (this.#pending.length > 0) this.#flush();
    } else if (this.#mode === "stream") {
      if (this.#writing) return;
      const writer = this.#writer!;
      const batch = this.#take(Math.min(MAX_BATCH, this.#pending.length));
      this.#writing = true;
      writer.write(batch).catch(() => {});
      writer.ready.then(() => {
        this.#writing = false;
        this.#flush();
      }, () => {});
    }
  };

  #take(n: number): ClientMessage[] {
    if (n === this.#pending.length) {
      const all = this.#pending;
      this.#pending = [];
      return all;
    }
    const batch = this.#pending.slice(0, n);
    this.#pending = this.#pending.slice(n);
    return batch;
  }

  #lose(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#teardown();
    this.onLost(reason);
  }

  #teardown(): void {
    this.#pending = [];
    this.#writer?.abort().catch(() => {});
    this.#reader?.cancel().catch(() => {});
    this.#port.close();
  }
}

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
