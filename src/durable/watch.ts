import { describe } from "../core/describe.ts";
import { positiveInteger } from "../core/validate.ts";
import type { DurableStub } from "./types.ts";
import { type OpenSocket, watchOver } from "./watch_client.ts";

/**
 * Options of a watch over the network (`StoreClient.watch`,
 * {@linkcode watchUrl}).
 *
 * @example
 * ```ts
 * import type { WatchOptions } from "@warden/core/durable";
 *
 * const options: WatchOptions = { buffer: 64, retries: 3 };
 * console.log(options.buffer); // 64
 * ```
 */
export interface WatchOptions {
  /**
   * How many unread values the reader may fall behind before the stream
   * errors with an `OverflowError` (and the socket closes).
   *
   * @default {1024}
   */
  buffer?: number;
  /**
   * How many times in a row to reconnect a dropped socket before the
   * stream errors.
   *
   * @default {5}
   */
  retries?: number;
  /** Ends the watch: the stream errors with `signal.reason`. */
  signal?: AbortSignal;
}

/** Checks the options shared by every watch; internal. */
export function watchOptions(
  options: WatchOptions,
): { buffer: number; retries: number; signal: AbortSignal | undefined } {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot watch: options must be an object, received ${describe(options)}`,
    );
  }
  const retries = options.retries ?? 5;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(
      `Cannot watch: retries must be a non-negative integer, received ${
        describe(retries)
      }`,
    );
  }
  return {
    buffer: positiveInteger(options.buffer ?? 1024, "buffer", "watch"),
    retries,
    signal: options.signal,
  };
}

/** Watches through a Durable Object stub (in a Worker); internal. */
export function watchStub<T>(
  stub: () => DurableStub,
  key: string | undefined,
  options: WatchOptions,
): ReadableStream<T> {
  const checked = { ...watchOptions(options), skipFirst: key === undefined };
  const open: OpenSocket = async (since) => {
    const url = new URL("https://warden.invalid/watch");
    if (key !== undefined) url.searchParams.set("key", key);
    if (since !== undefined) url.searchParams.set("since", String(since));
    const response = await stub().fetch(
      new Request(url, { headers: { upgrade: "websocket" } }),
    );
    const socket = (response as Response & { webSocket?: WebSocket | null })
      .webSocket;
    if (socket === undefined || socket === null) {
      throw new TypeError(
        `Cannot watch: the object refused, status ${response.status}: ${await response
          .text()}`,
      );
    }
    (socket as WebSocket & { accept(): void }).accept();
    return socket;
  };
  return watchOver<T>(open, checked);
}

/**
 * Watches one key of a hosted store from a browser (or any runtime with a
 * global `WebSocket`), through a Worker route made with
 * {@linkcode watchRoute}: the same stream as `Store.watch(key)` locally
 * (the value now, then every change in order; `OverflowError` if the
 * reader falls behind `buffer`), reconnecting when the socket drops. A
 * resumed watch that missed changes errors with `WatchGapError`.
 *
 * @typeParam V The value type.
 * @param url The route's URL (`ws:`/`wss:`, or `http:`/`https:`), with
 *   the key as JSON in `?key=` (and whatever the route's `authorize`
 *   needs, such as a token).
 * @param options Buffer, retries, signal.
 * @returns The stream of values.
 *
 * @example
 * ```ts ignore
 * import { watchUrl } from "@warden/core/durable";
 *
 * const url = new URL("/watch", location.href);
 * url.searchParams.set("key", JSON.stringify("hits"));
 * for await (const hits of watchUrl<number>(url)) console.log(hits);
 * ```
 */
export function watchUrl<V>(
  url: string | URL,
  options: WatchOptions = {},
): ReadableStream<V | undefined> {
  const checked = watchOptions(options);
  const base = new URL(url);
  if (base.protocol === "http:") base.protocol = "ws:";
  if (base.protocol === "https:") base.protocol = "wss:";
  const open: OpenSocket = (since) => {
    const target = new URL(base);
    if (since !== undefined) target.searchParams.set("since", String(since));
    const socket = new WebSocket(target);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(socket), { once: true });
      socket.addEventListener("close", (event) => {
        // Refused before it opened: by authorize (1008), or the network.
        const refused = new Error(
          `Cannot watch: the socket closed before it opened (code ${event.code})`,
        );
        reject(refused);
      }, { once: true });
    });
  };
  return watchOver<V | undefined>(open, checked);
}
