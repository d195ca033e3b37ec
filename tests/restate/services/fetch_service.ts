// The test service over the SDK's fetch handler: Bun.serve or Deno.serve
// (HTTP/1.1: registered with use_http_11) on env PORT.
import { createEndpointHandler } from "@restatedev/restate-sdk/fetch";
import { Counters, Door } from "./definitions.ts";

const handler = createEndpointHandler({ services: [Counters, Door] });
const g = globalThis as unknown as {
  Bun?: { serve(o: unknown): unknown };
  Deno?: {
    serve(o: unknown, h: unknown): unknown;
    env: { get(k: string): string | undefined };
  };
  process?: { env: Record<string, string | undefined> };
};
const port = Number(g.process?.env.PORT ?? g.Deno?.env.get("PORT"));
if (g.Bun) {
  g.Bun.serve({ port, hostname: "127.0.0.1", fetch: handler });
  console.log(`listening ${port} (bun)`);
} else if (g.Deno) {
  g.Deno.serve({
    port,
    hostname: "127.0.0.1",
    onListen: () => console.log(`listening ${port} (deno)`),
  }, handler);
} else {
  throw new Error("Cannot start: run me on Bun or Deno");
}
