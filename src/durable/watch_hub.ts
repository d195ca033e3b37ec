// The host's side of watches: hibernatable WebSockets tagged with the key
// they watch, and one version per key, stored beside the entries, so that a
// client that reconnects learns whether it missed changes. Internal.
import type { DurableObjectStateLike } from "./types.ts";
import {
  checkClientFrame,
  firstFrame,
  valueFrame,
  VERSION_PREFIX,
} from "./watch_wire.ts";

interface Pair {
  0: WebSocket;
  1: WebSocket;
}

export class WatchHub {
  readonly #state: DurableObjectStateLike;
  readonly #versions: Map<string, number>;

  private constructor(
    state: DurableObjectStateLike,
    versions: Map<string, number>,
  ) {
    this.#state = state;
    this.#versions = versions;
  }

  /** Loads every key's version (one list of the version prefix). */
  static async load(state: DurableObjectStateLike): Promise<WatchHub> {
    const versions = new Map<string, number>();
    for (
      const [name, v] of await state.storage.list({ prefix: VERSION_PREFIX })
    ) {
      if (typeof v === "number") {
        versions.set(name.slice(VERSION_PREFIX.length), v);
      }
    }
    return new WatchHub(state, versions);
  }

  /**
   * The key `id` is about to change: its next version, written now (in the
   * same turn as the change's own writes: one atomic commit).
   */
  bump(id: string): { v: number; written: Promise<void> } {
    const v = (this.#versions.get(id) ?? 0) + 1;
    this.#versions.set(id, v);
    return { v, written: this.#state.storage.put(VERSION_PREFIX + id, v) };
  }

  /** Sends a committed change to every socket watching `id`. */
  publish(id: string, v: number, value: unknown): void {
    publish(this.#state, tagOf(id), v, value);
  }

  /**
   * Accepts a watch of `id` (in the store's turn, so no change lands
   * between the first frame and the next change) and answers the upgrade.
   */
  accept(id: string, since: number | undefined, value: unknown): Response {
    return accept(
      this.#state,
      tagOf(id),
      firstFrame(since, this.#versions.get(id) ?? 0, value),
    );
  }
}

/** Sends a committed change to every socket tagged `tag`. */
export function publish(
  state: DurableObjectStateLike,
  tag: string,
  v: number,
  value: unknown,
): void {
  const sockets = state.getWebSockets?.(tag) ?? [];
  if (sockets.length === 0) return;
  const frame = valueFrame("change", v, value);
  for (const socket of sockets) {
    try {
      socket.send(frame);
    } catch {
      // closing meanwhile: its close handler cleans up
    }
  }
}

/** Accepts a hibernatable socket tagged `tag`; sends `first`; answers 101. */
export function accept(
  state: DurableObjectStateLike,
  tag: string,
  first: string,
): Response {
  const Pair = (globalThis as unknown as {
    WebSocketPair?: new () => Pair;
  }).WebSocketPair;
  if (Pair === undefined || state.acceptWebSocket === undefined) {
    return new Response("Cannot watch: this runtime has no WebSocketPair", {
      status: 501,
    });
  }
  const pair = new Pair();
  state.acceptWebSocket(pair[1], [tag]);
  pair[1].send(first);
  return new Response(
    null,
    { status: 101, webSocket: pair[0] } as ResponseInit,
  );
}

/** Answers one frame a client sent: a pong, or the socket closes. */
export function answer(socket: WebSocket, data: unknown): void {
  const verdict = checkClientFrame(data);
  try {
    if (verdict.ok) socket.send('{"t":"pong"}');
    else socket.close(verdict.code, verdict.reason);
  } catch {
    // the socket is already closing
  }
}

/** The client closed: finish the closing handshake. */
export function closed(socket: WebSocket): void {
  try {
    socket.close(1000, "closed");
  } catch {
    // already closed
  }
}

function tagOf(id: string): string {
  return `w:${id}`;
}
