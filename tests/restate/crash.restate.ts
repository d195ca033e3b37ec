// Crash: kill -9 of restate-server under load, and durable timers across a
// crash. A real server (loopback only) and the service on Node 22.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { machineClient, storeClient } from "../../src/restate/mod.ts";
import type { Counters, Door } from "./services/definitions.ts";
import {
  type RestateNode,
  type Service,
  startServer,
  startService,
} from "./_server.ts";

let server: RestateNode & AsyncDisposable;
let service: Service & AsyncDisposable;

before(async () => {
  server = await startServer();
  service = await startService("tests/restate/services/store_service.ts");
  await server.register(service.uri);
});

after(async () => {
  await service?.[Symbol.asyncDispose]();
  await server?.[Symbol.asyncDispose]();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("restateStore: kill -9 of the server under 40 clients loses no acknowledged update; retries with the same keys make it exact", async () => {
  const client = storeClient<typeof Counters>(server.ingress, {
    service: "counters",
    name: "crash",
    shards: 5,
  });
  const KEYS = 10, CLIENTS = 40, EACH = 25;
  const acked = new Map<string, number>();
  const failed: { key: string; id: string }[] = [];
  const model = new Map<string, number>(); // every command issued, per key
  let total = 0;
  let crash!: () => void;
  const crashed = new Promise<void>((r) => crash = r);
  const workers = Array.from({ length: CLIENTS }, async (_, c) => {
    for (let j = 0; j < EACH; j++) {
      const key = `k${(c + j) % KEYS}`;
      model.set(key, (model.get(key) ?? 0) + 1);
      const id = `crash-${c}-${j}`;
      try {
        // A short limit: some calls fail while the server is down.
        await client.with({ idempotencyKey: id, timeout: 1_500 }).update(
          key,
          "add",
          1,
        );
        acked.set(key, (acked.get(key) ?? 0) + 1);
        if (++total === 200) crash();
      } catch (error) {
        failed.push({ key, id });
        void error;
      }
    }
  });
  await crashed;
  await server.kill9();
  await sleep(2_000);
  await server.start();
  await Promise.all(workers);

  // Every acknowledged command is in the state.
  const seen = new Map<string, number>();
  for (let k = 0; k < KEYS; k++) {
    const key = `k${k}`;
    const value = await client.with({ timeout: 20_000 }).get(key) ?? 0;
    seen.set(key, value);
    assert.ok(
      value >= (acked.get(key) ?? 0),
      `${key}: ${value} < acked ${acked.get(key)}`,
    );
  }
  assert.ok(failed.length > 0, "some calls failed while the server was down");
  // Retrying the failed ones with their keys makes every count exact.
  await Promise.all(
    failed.map(({ key, id }) =>
      client.with({ idempotencyKey: id, timeout: 20_000 }).update(key, "add", 1)
    ),
  );
  for (let k = 0; k < KEYS; k++) {
    assert.equal(
      await client.with({ timeout: 20_000 }).get(`k${k}`),
      model.get(`k${k}`),
      `k${k}`,
    );
  }
  console.log(
    `crash: ${total} acknowledged before and after the kill, ${failed.length} failed and retried, ${
      [...seen.values()].reduce((a, b) => a + b, 0) - total
    } of those had already run`,
  );
});

test("restateMachine: an after timer due while the server is down fires once after it restarts", async () => {
  const door = machineClient<typeof Door>(server.ingress, {
    service: "door",
    name: "crash-timer",
    timeout: 20_000,
  });
  await door.send("unlock");
  assert.equal(await door.send("open"), "open"); // due in 1500 ms
  await server.kill9();
  await sleep(2_500); // due while down
  await server.start();
  for (let i = 0; i < 400 && await door.state() !== "shut"; i++) {
    await sleep(50);
  }
  assert.deepEqual(await door.snapshot(), {
    state: "shut",
    context: { opened: 1, closed: 2 },
  });
  await sleep(1_600);
  assert.deepEqual(await door.snapshot(), {
    state: "shut",
    context: { opened: 1, closed: 2 },
  });
});

test("restateMachine: a timer survives a crash of the service too", async () => {
  const door = machineClient<typeof Door>(server.ingress, {
    service: "door",
    name: "crash-service",
    timeout: 20_000,
  });
  await door.send("unlock");
  await door.send("open");
  await service.kill9();
  await sleep(2_000);
  await service.start(); // the same port: the registered deployment again
  for (let i = 0; i < 400 && await door.state() !== "shut"; i++) {
    await sleep(50);
  }
  assert.deepEqual(await door.snapshot(), {
    state: "shut",
    context: { opened: 1, closed: 2 },
  });
});
