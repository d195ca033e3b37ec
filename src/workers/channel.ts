/**
 * The transport under `serve()` / `connect()`: one channel per client,
 * carrying batches of protocol messages (see wire.ts) both ways.
 *
 * Every channel starts with a `MessagePort` the client creates and posts to
 * the endpoint. Over it the server answers `HELLO` with the transport it
 * chose, by feature detection (never by runtime name):
 *
 * - "stream": where streams are transferable (Node, Deno, browsers), the
 *   server transfers a `WritableStream` for the client's command batches;
 *   its own backpressure paces the client.
 * - "port": where they are not (Bun 1.4 refuses with `DataCloneError`),
 *   the same batches go over the port itself, with a credit window: the
 *   client sends at most `window` messages the server has not consumed.
 *
 * Replies (batches of `OK`, `FAIL`, `ITEMS`, `END`, `CLOSED`, `GRANT`) come
 * back over the port in both modes: one message per batch, where a
 * transferred stream's chunk costs a message plus a pull back. Streamed
 * items are paced by the client's `CREDIT`, not by a stream.
 *
 * The fast path: a client with nothing unanswered (no call awaiting its
 * reply, no stream open) sends a lone call over the port as one bare
 * message, outside any batch and the credit window (at most one is ever
 * outstanding); the server answers it at once, bare, over the port. With
 * streams, the next batch the client writes starts with `AFTER id`: the
 * server holds it until that call is in, so the two lanes keep the
 * client's order.
 *
 * The port stays as the control line either way: liveness (`PING`/`PONG`,
 * and the port's `close` event where the runtime fires one) and `BYE`.
 *
 * The client's end is `ClientLink` (client_link.ts), the server's
 * `ServerLink` (server_link.ts); this file holds what both use.
 *
 * @internal
 * @module
 */
import { type ClientMessage, HELLO } from "./wire.ts";

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
export type Hello =
  | {
    t: typeof HELLO;
    mode: "stream";
    commands: WritableStream<ClientMessage[]>;
  }
  | { t: typeof HELLO; mode: "port"; window: number };

export function isHello(data: unknown): data is Hello {
  return typeof data === "object" && data !== null &&
    (data as { t?: unknown }).t === HELLO;
}

export function control(data: unknown): number | undefined {
  return typeof data === "object" && data !== null && !Array.isArray(data)
    ? (data as { t?: number }).t
    : undefined;
}

/** A Node `MessagePort` keeps the thread alive unless unref'd. */
export function unref(port: MessagePort): void {
  const maybe = port as MessagePort & { unref?: () => void };
  if (typeof maybe.unref === "function") maybe.unref();
}
