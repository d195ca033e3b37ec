// The client's side of a watch: a ReadableStream fed by a WebSocket to the
// hosting object, with the local watch semantics (current value first, then
// every change in order, OverflowError when the reader falls behind its
// buffer), reconnecting when the socket drops. Shared by storeClient (a
// Worker) and watchUrl (a browser). Internal.
import { LiveSource } from "../core/live_stream.ts";
import { WatchGapError } from "./watch_gap_error.ts";
import { CLOSE, parseServerFrame } from "./watch_wire.ts";

/** Opens one socket; `since` is the last version seen, when resuming. */
export type OpenSocket = (since: number | undefined) => Promise<WebSocket>;

export interface WatchOverOptions {
  /** A machine's watch starts with the changes: the first frame only syncs. */
  skipFirst?: boolean;
  buffer: number;
  retries: number;
  signal: AbortSignal | undefined;
}

/** Close codes after which the client reconnects and resumes. */
const DROPPED = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014]);

export function watchOver<T>(
  open: OpenSocket,
  options: WatchOverOptions,
): ReadableStream<T> {
  const { source, readable } = LiveSource.stream<T>(options.buffer);
  const signal = options.signal;
  let socket: WebSocket | undefined;
  let version: number | undefined;
  let failures = 0;
  const onAbort = () => source.error(signal!.reason);
  source.onEnd = () => {
    signal?.removeEventListener("abort", onAbort);
    try {
      socket?.close(CLOSE.normal, "watch ended");
    } catch {
      // already closed
    }
  };
  if (signal?.aborted) {
    source.error(signal.reason);
    return readable;
  }
  signal?.addEventListener("abort", onAbort, { once: true });

  const dropped = (reason: string) => {
    if (!source.open) return;
    socket = undefined;
    if (failures >= options.retries) {
      source.error(
        new Error(
          `Cannot watch: the socket dropped ${
            failures + 1
          } times in a row (${reason})`,
        ),
      );
      return;
    }
    failures++;
    // Back off 50 ms, 100 ms, 200 ms, ... up to 2 s.
    setTimeout(connect, Math.min(2000, 25 * 2 ** failures));
  };

  const onFrame = (ws: WebSocket, data: unknown) => {
    if (!source.open || ws !== socket) return;
    const frame = parseServerFrame(data);
    if (typeof frame === "string") {
      source.error(
        new TypeError(`Cannot watch: the object sent ${frame}`),
      );
      return;
    }
    failures = 0;
    switch (frame.t) {
      case "pong":
        return;
      case "value":
        if (version !== undefined) break;
        version = frame.v;
        if (options.skipFirst !== true) source.push(frame.value as T);
        return;
      case "change":
        if (version === undefined || frame.v !== version + 1) break;
        version = frame.v;
        source.push(frame.value as T);
        return;
      case "resumed":
        if (frame.v !== version) break;
        return;
      case "gap":
        source.error(
          new WatchGapError(
            `Cannot resume the watch: ${
              frame.missed < 0 ? "an unknown number of" : frame.missed
            } changes were made while the socket was down; watch again from the value now`,
            { missed: frame.missed, version: frame.v, value: frame.value },
          ),
        );
        return;
    }
    source.error(
      new TypeError(
        `Cannot watch: the object sent version ${frame.v} (${frame.t}) after version ${version}`,
      ),
    );
  };

  const connect = () => {
    if (!source.open) return;
    open(version).then((ws) => {
      if (!source.open) {
        ws.close(CLOSE.normal, "watch ended");
        return;
      }
      socket = ws;
      ws.addEventListener("message", (event) => onFrame(ws, event.data));
      ws.addEventListener("close", (event) => {
        if (ws !== socket || !source.open) return;
        if (event.code === CLOSE.normal) {
          source.close(); // the object ended the watch
        } else if (DROPPED.has(event.code)) {
          dropped(`code ${event.code}`);
        } else {
          source.error(
            new Error(
              `Cannot watch: the object closed the socket with code ${event.code}: ${event.reason}`,
            ),
          );
        }
      });
    }, (error: unknown) => {
      // Refused (not authorized, no such route): no point retrying.
      if (error instanceof TypeError) source.error(error);
      else dropped(String(error));
    });
  };
  connect();
  return readable;
}
