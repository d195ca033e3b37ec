import {
  AFTER,
  BYE,
  CALL,
  type ClientMessage,
  FAIL,
  GRANT,
  isFrame,
  type LoneCall,
  PING,
  PONG,
  type ServerMessage,
} from "./wire.ts";
import { control, isHello, MAX_BATCH } from "./channel.ts";

/**
 * The client's end of a channel.
 *
 * @internal
 */
export class ClientLink {
  /** Batches from the server. */
  onBatch: (batch: ServerMessage[]) => void = () => {};
  /** The failure of a fast call (see {@linkcode sendAlone}). */
  onReply: (message: ServerMessage) => void = () => {};
  /** The value of a fast call (a {@linkcode LoneAnswer}). */
  onAnswer: (id: number, value: unknown) => void = () => {};
  /** The channel is gone (server closed it, or its thread went away). */
  onLost: (reason: string) => void = () => {};
  /** A batch could not be posted (a value the pre-check missed). */
  onUnsent: (batch: ClientMessage[], error: unknown) => void = () => {};

  readonly #port: MessagePort;
  #mode: "stream" | "port" | undefined = undefined;
  #pending: ClientMessage[] = [];
  /** Stream mode: the fast call the next written batch must follow. */
  #after = 0;
  #scheduled = false;
  #credit = 0;
  #writer: WritableStreamDefaultWriter<ClientMessage[]> | undefined;
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

  /**
   * Sends a call by the fast path: at once, over the port, as one bare
   * message, outside the batches and the credit window (or queued as
   * usual before the handshake, or behind queued messages). The caller
   * sends one only when nothing it sent is unanswered, so at most one is
   * ever outstanding; calls made while it is go in the usual batches. A
   * plain call goes as a {@linkcode LoneCall} frame.
   */
  sendAlone(message: ClientMessage): void {
    if (this.#closed) return;
    if (this.#mode === undefined || this.#pending.length > 0) {
      this.send(message);
      return;
    }
    try {
      this.#port.postMessage(
        message.t === CALL && message.s === undefined &&
          message.c === undefined
          ? [message.id, message.op, message.args] satisfies LoneCall
          : message,
      );
    } catch (error) {
      this.onUnsent([message], error);
      return;
    }
    if (this.#mode === "stream") this.#after = message.id;
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
      if (!isFrame(data)) this.#receive(data as ServerMessage[]);
      else if (!this.#closed) this.onAnswer(data[0], data[1]);
      return;
    }
    const t = control(data);
    if (t === FAIL) {
      if (!this.#closed) this.onReply(data as ServerMessage);
      return;
    }
    if (isHello(data)) {
      if (data.mode === "stream") {
        this.#mode = "stream";
        // The port's close (or CLOSED) means the server is gone, not the
        // command stream's error: on a graceful close the server's last
        // replies may still be on their way over the port.
        this.#writer = data.commands.getWriter();
        this.#writer.closed.catch(() => {});
      } else {
        this.#mode = "port";
        this.#credit = data.window;
      }
      this.#flush();
      return;
    }
    if (t === PING && !this.#closed) {
      this.#port.postMessage({ t: PONG });
    }
  };

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
      if (this.#after !== 0) {
        batch.unshift({ t: AFTER, id: this.#after });
        this.#after = 0;
      }
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
    this.#port.close();
  }
}
