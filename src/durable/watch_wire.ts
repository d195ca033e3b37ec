// The watch protocol over a WebSocket between a client and a hosted store.
// Text frames of JSON. Server to client:
//   {"t":"value","v":V,"value"?:X}   first frame of a new watch: the current value
//   {"t":"change","v":V,"value"?:X}  a change; V is the key's version, +1 each change
//   {"t":"resumed","v":V}            a resumed watch missed nothing
//   {"t":"gap","v":V,"missed":N,"value"?:X}  a resumed watch missed N changes
//   {"t":"pong"}
// Client to server: only {"t":"ping"}. Anything else closes the socket.
// `value` absent means undefined (no entry). Internal.

/** Close codes the host and the client use. */
export const CLOSE = {
  /** Cancelled by the reader, or the store ended the watch. */
  normal: 1000,
  /** A binary frame: the protocol is text only. */
  unsupported: 1003,
  /** A text frame that is not JSON of the protocol. */
  policy: 1008,
  /** A frame over {@linkcode MAX_CLIENT_FRAME} characters. */
  tooBig: 1009,
} as const;

/** The largest frame a client may send (a ping is 12 characters). */
export const MAX_CLIENT_FRAME = 64;

/** The storage prefix of the keys' watch versions. */
export const VERSION_PREFIX = "~watch-v:";

/** The longest key, as JSON, that may be watched (a socket tag's limit). */
export const MAX_WATCH_KEY = 240;

export type ServerFrame =
  | { t: "value" | "change"; v: number; value?: unknown }
  | { t: "resumed"; v: number }
  | { t: "gap"; v: number; missed: number; value?: unknown }
  | { t: "pong" };

/** How a client frame is answered: a pong, or closing the socket. */
export type ClientVerdict =
  | { ok: true }
  | { ok: false; code: number; reason: string };

/** Validates one frame from a client (hostile until proven otherwise). */
export function checkClientFrame(data: unknown): ClientVerdict {
  if (typeof data !== "string") {
    return {
      ok: false,
      code: CLOSE.unsupported,
      reason: "binary frames are not part of the watch protocol",
    };
  }
  if (data.length > MAX_CLIENT_FRAME) {
    return {
      ok: false,
      code: CLOSE.tooBig,
      reason: `frame of ${data.length} characters, at most ${MAX_CLIENT_FRAME}`,
    };
  }
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return { ok: false, code: CLOSE.policy, reason: "frame is not JSON" };
  }
  if (
    typeof frame === "object" && frame !== null && !Array.isArray(frame) &&
    Object.keys(frame).length === 1 && (frame as { t?: unknown }).t === "ping"
  ) {
    return { ok: true };
  }
  return {
    ok: false,
    code: CLOSE.policy,
    reason:
      'not a frame of the watch protocol (a client sends only {"t":"ping"})',
  };
}

/** Parses one frame from the server; a string says what is wrong. */
export function parseServerFrame(data: unknown): ServerFrame | string {
  if (typeof data !== "string") return "a binary frame";
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return "a frame that is not JSON";
  }
  if (typeof frame !== "object" || frame === null) return "not an object";
  const f = frame as Record<string, unknown>;
  if (f.t === "pong") return { t: "pong" };
  if (!Number.isSafeInteger(f.v) || (f.v as number) < 0) {
    return "a frame without a version";
  }
  const v = f.v as number;
  switch (f.t) {
    case "value":
    case "change":
      return "value" in f ? { t: f.t, v, value: f.value } : { t: f.t, v };
    case "resumed":
      return { t: "resumed", v };
    case "gap":
      if (!Number.isSafeInteger(f.missed)) return "a gap without a count";
      return "value" in f
        ? { t: "gap", v, missed: f.missed as number, value: f.value }
        : { t: "gap", v, missed: f.missed as number };
  }
  return `an unknown frame type ${JSON.stringify(f.t)}`;
}

/** A value frame's text: `value` left out when undefined. */
export function valueFrame(
  t: "value" | "change",
  v: number,
  value: unknown,
): string {
  return JSON.stringify(value === undefined ? { t, v } : { t, v, value });
}

/**
 * The first frame for a watch that starts (`since` undefined) or resumes:
 * `value` is what a gap or a new watch carries, `last` the latest change
 * (the one a client that missed exactly one change gets).
 */
export function firstFrame(
  since: number | undefined,
  v: number,
  value: unknown,
  last: unknown = value,
): string {
  if (since === undefined) return valueFrame("value", v, value);
  if (since === v) return JSON.stringify({ t: "resumed", v });
  if (since === v - 1) return valueFrame("change", v, last);
  // Versions went backwards (storage lost) or several changes passed.
  const missed = since < v ? v - since - 1 : -1;
  return JSON.stringify(
    value === undefined
      ? { t: "gap", v, missed }
      : { t: "gap", v, missed, value },
  );
}

/** Reads `?since=` of a watch request; a string says what is wrong. */
export function parseSince(url: URL): number | undefined | string {
  const text = url.searchParams.get("since");
  if (text === null) return undefined;
  const since = Number(text);
  if (!Number.isSafeInteger(since) || since < 0) {
    return `?since= must be a version (a non-negative integer), received ${text}`;
  }
  return since;
}
