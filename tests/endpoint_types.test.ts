// Endpoint accepts every runtime's threads with no cast: Node's
// worker_threads MessagePort, parentPort and Worker here (type-checked by
// `npm run check` with @types/node, and by `deno test`); a worker's `self`
// in tests/types/endpoint_worker.ts (lib WebWorker); DOM's Worker, MessagePort and
// DedicatedWorkerGlobalScope in tests/types/endpoint_dom.ts (lib DOM).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageChannel, parentPort, Worker } from "node:worker_threads";
import { connect, type Endpoint, serve } from "../src/workers/mod.ts";
import { Owner } from "../mod.ts";

// Compile-time only: never called.
export function nodeEndpoints(worker: Worker): void {
  connect(parentPort!);
  serve(new Owner({}, {}), parentPort!);
  connect(worker);
  serve(new Owner({}, {}), worker);
  const { port1 } = new MessageChannel();
  const endpoint: Endpoint = port1;
  connect(endpoint);
  // @ts-expect-error: not an endpoint
  connect({});
}

test("connect() and serve() take a node:worker_threads MessagePort as it is typed", async () => {
  const counter = new Owner({ n: 0 }, { incr: (s) => ++s.n });
  const { port1, port2 } = new MessageChannel();
  const serving = serve(counter, port1);
  const remote = connect<typeof counter>(port2);
  assert.equal(await remote.ask("incr"), 1);
  await remote.close();
  await serving.close();
  await counter.close();
  port1.close();
  port2.close();
});
