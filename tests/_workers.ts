// Starting a worker thread on every runtime, shared by tests/workers.test.ts,
// tests/lin_workers.test.ts and tests/otel_workers.test.ts: a web Worker
// where the runtime has one (Deno, Bun), Node's worker_threads otherwise.
// And the raw ends of a channel over a MessageChannel (a client of serve()
// or a server for connect() that speaks the frames by hand), shared by
// tests/workers_fast_path.test.ts and tests/workers_lone_call.test.ts.
// Not a test file (no test() calls; the name keeps it out of every
// runtime's test glob, like tests/_helpers.ts).
import assert from "node:assert/strict";
import {
  type Endpoint,
  type Servable,
  serve,
  type ServeOptions,
} from "../src/workers/mod.ts";
import { deferred } from "./_helpers.ts";

/** What startWorker() is told about the worker's messages and failures. */
export interface StartWorkerOptions {
  /** Called with the data of every message the worker posts. */
  onMessage(data: unknown): void;
  /** Called when the worker fails (an uncaught error). Unset: not listened for. */
  onError?: (error: unknown) => void;
}

/** A started worker. */
export interface StartedWorker {
  /** The worker, as an endpoint to serve on or connect to. */
  endpoint: Endpoint;
  /** Posts a message to the worker. */
  post(message: unknown): void;
  /** Stops the worker. */
  terminate(): Promise<void>;
}

/** Starts a worker running the TypeScript module `module`. */
export async function startWorker(
  module: URL,
  options: StartWorkerOptions,
): Promise<StartedWorker> {
  const { onMessage, onError } = options;
  const WebWorker = (globalThis as { Worker?: typeof Worker }).Worker;
  if (typeof WebWorker === "function") {
    const worker = new WebWorker(module, { type: "module" });
    worker.addEventListener("message", (event) => onMessage(event.data));
    if (onError !== undefined) {
      worker.addEventListener("error", (event) => {
        event.preventDefault();
        onError(new Error(`worker error: ${event.message}`));
      });
    }
    return {
      endpoint: worker,
      post: (message) => worker.postMessage(message),
      terminate: () => {
        worker.terminate();
        return Promise.resolve();
      },
    };
  }
  // Node 20 cannot load .ts itself: the worker registers tsx, then
  // imports the module.
  const { Worker: NodeWorker } = await import("node:worker_threads");
  const tsx = import.meta.resolve("tsx/esm/api");
  const worker = new NodeWorker(
    `import(${
      JSON.stringify(tsx)
    }).then((tsx) => { tsx.register(); return import(${
      JSON.stringify(module.href)
    }); });`,
    { eval: true },
  );
  worker.on("message", onMessage);
  if (onError !== undefined) worker.on("error", onError);
  return {
    endpoint: worker,
    post: (message) => worker.postMessage(message),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/** A frame of the channel as it crosses: batches cross as arrays of them. */
export type Frame = Record<string, unknown>;

/** A raw end of a channel: its port, and the frames that came on it. */
export interface RawEnd {
  /** The port to post frames on (and to close). */
  port: MessagePort;
  /** The next frame (a bare message, or a batch), waiting for one to come. */
  next(): Promise<Frame | Frame[]>;
  /** How many frames wait to be taken. */
  count(): number;
}

/** Collects the frames that come on `port`, as they come. */
function rawEnd(port: MessagePort): RawEnd {
  const frames: (Frame | Frame[])[] = [];
  let wake: (() => void) | undefined;
  port.addEventListener("message", (event: MessageEvent) => {
    frames.push(event.data);
    wake?.();
  });
  port.start();
  return {
    port,
    next: async () => {
      while (frames.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      return frames.shift()!;
    },
    count: () => frames.length,
  };
}

/** A raw client of `serve()` and the serving side it talks to. */
export interface ServedToRawClient {
  /** The client end; `hello` is the handshake's answer (checked: HELLO). */
  client: RawEnd & { hello: Frame };
  /** Closes the client's port, the serving side, its endpoint and the owner. */
  close(): Promise<void>;
}

/**
 * Serves `owner` over a new MessageChannel and connects a raw client to it:
 * the handshake by hand, asking for no name.
 */
export async function serveToRawClient(
  owner: Servable & { close(): Promise<void> },
  options?: ServeOptions,
): Promise<ServedToRawClient> {
  const { port1, port2 } = new MessageChannel();
  const serving = serve(owner, port1, options);
  const { port1: mine, port2: theirs } = new MessageChannel();
  const client = rawEnd(mine);
  port2.postMessage({ "warden:connect": 1, port: theirs, name: "" }, [
    theirs,
  ]);
  const close = async () => {
    client.port.close();
    serving.close();
    port1.close();
    await owner.close();
  };
  const hello = await client.next() as Frame;
  if (hello.t !== 20) {
    // Close first: open ports would keep the test's process alive, and a
    // failed handshake would hang the run instead of failing the test.
    await close();
    assert.fail(`expected HELLO (t: 20), received ${JSON.stringify(hello)}`);
  }
  return { client: { ...client, hello }, close };
}

/** Answers a port handshake with a window of 16: what `rawServer()` says. */
function portHello(port: MessagePort): void {
  port.postMessage({ t: 20, mode: "port", window: 16 });
}

/** A raw server for `connect()`, from {@linkcode rawServer}. */
export interface RawServer {
  /** The endpoint to connect to. */
  endpoint: Endpoint;
  /** The client's end of the channel, once it has asked to connect. */
  client: Promise<RawEnd>;
  /** Closes the client's channel and the endpoint. */
  close(): void;
}

/**
 * A raw server for `connect()` over a new MessageChannel: `hello` answers
 * the handshake on the client's port (by default the port transport with a
 * window of 16).
 */
export function rawServer(
  hello: (port: MessagePort) => void = portHello,
): RawServer {
  const { port1, port2 } = new MessageChannel();
  const client = deferred<RawEnd>();
  let port: MessagePort | undefined;
  port1.addEventListener("message", (event: MessageEvent) => {
    port = (event.data as { port: MessagePort }).port;
    const end = rawEnd(port);
    hello(port);
    client.resolve(end);
  });
  port1.start();
  return {
    endpoint: port2,
    client: client.promise,
    close: () => {
      port?.close();
      port1.close();
      port2.close();
    },
  };
}

/** A client connected to a raw server, from {@linkcode connectToRawServer}. */
export interface ConnectedToRawServer<R> {
  /** What `connectTo` returned. */
  remote: R;
  /** The server's end of the client's channel. */
  client: RawEnd;
  /** Closes the remote, then the raw server. */
  close(): Promise<void>;
}

/**
 * Connects to a new {@linkcode rawServer} (port transport, window 16) with
 * `connectTo` (a `connect()` call) and waits for the client to ask.
 */
export async function connectToRawServer<R extends { close(): Promise<void> }>(
  connectTo: (endpoint: Endpoint) => R,
): Promise<ConnectedToRawServer<R>> {
  const server = rawServer();
  const remote = connectTo(server.endpoint);
  const client = await server.client;
  return {
    remote,
    client,
    close: async () => {
      await remote.close();
      server.close();
    },
  };
}

/**
 * Answers `call`, the client's first (id 1), with 1, bare or in a batch
 * (with its credit) as it came, and checks that the caller got 1: after
 * it, the client surely has the handshake.
 */
export async function answerFirstCall(
  client: RawEnd,
  call: Promise<unknown>,
): Promise<void> {
  const frame = await client.next();
  // A batch of messages, or the lone call's frame [id, op, args].
  client.port.postMessage(
    Array.isArray(frame) && typeof frame[0] === "object"
      ? [{ t: 10, id: 1, v: 1 }, { t: 16, n: 1 }]
      : [1, 1],
  );
  assert.equal(await call, 1);
}
