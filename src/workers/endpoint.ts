/**
 * Anything a thread can be reached through: a `Worker`, a worker's `self`,
 * a `MessagePort`, Node's `worker_threads` `Worker` or `parentPort`.
 * `serve()` listens on it for clients; `connect()` posts its handshake to
 * it. Other messages on the same endpoint are left alone.
 *
 * Either `addEventListener("message")` (web) or `on("message")` (Node's
 * EventEmitter) is used, whichever the endpoint has.
 *
 * Typed so that each runtime's own typing of these fits with no cast:
 * Node's `worker_threads` `MessagePort` takes any `Event` listener, and
 * lib DOM types `self` as a `Window`.
 *
 * @example
 * ```ts
 * import type { Endpoint } from "@warden/core/workers";
 *
 * const { port1 } = new MessageChannel();
 * const endpoint: Endpoint = port1;
 * port1.close();
 * ```
 */
export interface Endpoint {
  /** Sends a message, transferring the listed objects. */
  postMessage(message: unknown, transfer: EndpointTransfer): void;
  /** Web-style message listener (Worker, self, MessagePort). */
  addEventListener?(type: "message", listener: MessageListener): void;
  /** Removes a web-style listener. */
  removeEventListener?(type: "message", listener: MessageListener): void;
  /** Node-style message listener (`worker_threads` Worker). */
  on?(type: "message", listener: (value: unknown) => void): unknown;
  /** Removes a Node-style listener. */
  off?(type: "message", listener: (value: unknown) => void): unknown;
}

/**
 * A web-style message listener, as {@linkcode Endpoint} takes it: it is
 * given a `MessageEvent`, typed as an `Event` with `data` because Node's
 * `MessagePort` declares its listeners as taking any `Event`.
 */
export type MessageListener = (
  event: Event & { readonly data?: unknown },
) => void;

/**
 * The transfer list {@linkcode Endpoint.postMessage} is given: an array of
 * transferables, typed so that every runtime's `postMessage` fits (lib DOM
 * types `self.postMessage` as `Window`'s, whose second argument may be
 * `{ transfer }`).
 */
export type EndpointTransfer = never[] & { transfer?: never[] };

/**
 * Listens for messages on an endpoint; returns the function that stops.
 *
 * @internal
 */
export function listen(
  endpoint: Endpoint,
  onMessage: (data: unknown) => void,
  action: string,
): () => void {
  if (typeof endpoint?.postMessage !== "function") {
    throw new TypeError(
      `Cannot ${action}: endpoint must have postMessage (a Worker, self, a MessagePort or parentPort), received ${
        endpoint === null ? "null" : typeof endpoint
      }`,
    );
  }
  if (typeof endpoint.addEventListener === "function") {
    const listener: MessageListener = (event) => onMessage(event.data);
    endpoint.addEventListener("message", listener);
    const port = endpoint as Partial<MessagePort>;
    if (typeof port.start === "function") port.start();
    return () => endpoint.removeEventListener?.("message", listener);
  }
  if (typeof endpoint.on === "function") {
    const listener = (value: unknown) => onMessage(value);
    endpoint.on("message", listener);
    return () => endpoint.off?.("message", listener);
  }
  throw new TypeError(
    `Cannot ${action}: endpoint must have addEventListener or on, to receive messages`,
  );
}

/**
 * Whether a stream transferred to or from this endpoint's thread would keep
 * that thread alive for good: on Deno, a `node:worker_threads` worker that
 * received or sent a transferred stream never exits, even once the stream
 * is closed, cancelled or aborted (Deno 2.9). Such channels use the port
 * transport. Detected as Deno plus a Node-style (`on`) endpoint.
 *
 * @internal
 */
export function streamsPinThread(endpoint: Endpoint): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno === "object" &&
    typeof endpoint.on === "function";
}

/** Posts with a transfer list, whatever the endpoint's typing. @internal */
export function post(
  endpoint: Endpoint,
  message: unknown,
  transfer: unknown[],
): void {
  endpoint.postMessage(message, transfer as EndpointTransfer);
}

/** Validates a service name (`serve` / `connect` option). @internal */
export function serviceName(name: unknown, action: string): string {
  if (name === undefined) return "";
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot ${action}: name must be a string, received ${
        name === null ? "null" : typeof name
      }`,
    );
  }
  return name;
}
