// The service on other runtimes: Node 24 (the node endpoint), Bun and Deno
// (the SDK's fetch handler over HTTP/1.1). One real restate-server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TransitionError } from "../../mod.ts";
import { machineClient, storeClient } from "../../src/restate/mod.ts";
import type { Counters, Door } from "./services/definitions.ts";
import {
  type RestateNode,
  type Runtime,
  startServer,
  startService,
} from "./_server.ts";

let server: RestateNode & AsyncDisposable;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.[Symbol.asyncDispose]();
});

const cases: [Runtime, string, boolean][] = [
  ["node24", "tests/restate/services/store_service.ts", false],
  ["bun", "tests/restate/services/fetch_service.ts", true],
  ["deno", "tests/restate/services/fetch_service.ts", true],
];

for (const [runtime, file, http11] of cases) {
  test(`restate: the service on ${runtime} keeps every update and refuses illegal transitions`, async () => {
    await using service = await startService(file, runtime, {
      LATCH: "http://127.0.0.1:1",
    });
    await server.register(service.uri, { http11 });
    const counters = storeClient<typeof Counters>(server.ingress, {
      service: "counters",
      name: runtime,
      timeout: 20_000,
    });
    await Promise.all(
      Array.from({ length: 50 }, () => counters.update("n", "add", 1)),
    );
    assert.equal(await counters.get("n"), 50);
    await assert.rejects(counters.update("n", "fail"), RangeError);
    const door = machineClient<typeof Door>(server.ingress, {
      service: "door",
      name: runtime,
      timeout: 20_000,
    });
    await assert.rejects(
      door.send("open"),
      (e: unknown) =>
        e instanceof TransitionError && e.from === "locked" &&
        e.event === "open",
    );
    assert.equal(await door.send("unlock"), "shut");
  });
}
