// Starting a worker thread on every runtime, shared by tests/workers.test.ts,
// tests/lin_workers.test.ts and tests/otel_workers.test.ts: a web Worker
// where the runtime has one (Deno, Bun), Node's worker_threads otherwise.
// Not a test file (no test() calls; the name keeps it out of every
// runtime's test glob, like tests/_helpers.ts).
import type { Endpoint } from "../src/workers/mod.ts";

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
