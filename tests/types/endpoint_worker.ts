// Type-checked by `npm run check` (tsconfig.test.json, lib WebWorker): a
// worker's `self` (DedicatedWorkerGlobalScope) is an Endpoint with no cast.
// Deno types `self` so only under lib "deno.worker"; its default lib
// (deno.window) gives `self` no postMessage at all.
import { connect, serve } from "../../src/workers/mod.ts";
import { Owner } from "../../mod.ts";

export function selfEndpoint(): void {
  connect(self);
  serve(new Owner({}, {}), self);
}
