// One command as one ingress call: POST /<service>/<key>/<handler> with an
// idempotency key, retried on transport failures with the same key until
// the command's time limit. Internal to @warden/core/restate.
import { TimeoutError } from "../core/errors.ts";
import { fromWireError, type WireError } from "../remote/wire_error.ts";

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  timeout?: number | undefined;
  idempotencyKey?: string | undefined;
}

/** Where the ingress is. */
export interface IngressTarget {
  url: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
}

/** The default time limit of a call, in milliseconds. */
export const DEFAULT_TIMEOUT = 30_000;

/** Builds the rejection of a call that ran out of time. */
function timedOut(handler: string, ms: number): TimeoutError {
  return new TimeoutError(
    `Cannot ${handler}: no reply from Restate within ${ms} ms (is the service up?); the command may still run: retry with the same idempotency key`,
    { timeout: ms },
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Rebuilds the error of a failed call from the ingress's reply. */
function errorOf(status: number, text: string, handler: string): Error {
  try {
    const body = JSON.parse(text) as {
      message?: unknown;
      metadata?: Record<string, unknown>;
    };
    const encoded = body.metadata?.["warden-error"];
    if (typeof encoded === "string") {
      return fromWireError(JSON.parse(encoded) as WireError);
    }
    if (typeof body.message === "string") {
      return Object.assign(
        new Error(
          `Cannot ${handler}: Restate replied ${status}: ${body.message}`,
        ),
        { status },
      );
    }
  } catch { /* not JSON */ }
  return Object.assign(
    new Error(
      `Cannot ${handler}: Restate replied ${status}: ${text.slice(0, 200)}`,
    ),
    { status },
  );
}

/**
 * Calls one handler; resolves its JSON reply. A transport failure or a
 * 5xx from the ingress is retried with the same idempotency key, so the
 * command runs once; the call rejects with `TimeoutError` after `timeout`
 * ms, or with `signal.reason`.
 */
export async function call(
  target: IngressTarget,
  service: string,
  key: string,
  handler: string,
  input: unknown,
  options: CallOptions,
): Promise<unknown> {
  const ms = options.timeout ?? DEFAULT_TIMEOUT;
  const signal = options.signal;
  if (signal?.aborted) throw signal.reason;
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = Number.isFinite(ms)
    ? setTimeout(() => controller.abort(timedOut(handler, ms)), ms)
    : undefined;
  const idempotencyKey = options.idempotencyKey ?? crypto.randomUUID();
  const url = `${target.url}/${encodeURIComponent(service)}/${
    encodeURIComponent(key)
  }/${handler}`;
  const body = JSON.stringify(input);
  try {
    for (let attempt = 0;; attempt++) {
      let response: Response;
      try {
        response = await target.fetch(url, {
          method: "POST",
          headers: {
            ...target.headers,
            "content-type": "application/json",
            "idempotency-key": idempotencyKey,
          },
          body,
          signal: controller.signal,
        });
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason;
        // The ingress is down or restarting: the same key again, later.
        void error;
        await sleep(Math.min(50 * 2 ** attempt, 1_000), controller.signal);
        if (controller.signal.aborted) throw controller.signal.reason;
        continue;
      }
      const text = await response.text().catch((error) => {
        if (controller.signal.aborted) throw controller.signal.reason;
        return Promise.reject(error);
      });
      if (response.ok) {
        return text === ""
          ? undefined
          : (JSON.parse(text) as { value?: unknown }).value;
      }
      if (response.status >= 500 && response.status !== 501) {
        await sleep(Math.min(50 * 2 ** attempt, 1_000), controller.signal);
        if (controller.signal.aborted) throw controller.signal.reason;
        continue;
      }
      throw errorOf(response.status, text, handler);
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}
