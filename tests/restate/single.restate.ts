// Single node: a real restate-server (loopback only) and the service on
// Node 22, started and stopped here.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { TimeoutError, TransitionError } from "../../mod.ts";
import { machineClient, storeClient } from "../../src/restate/mod.ts";
import type { Counters, Door } from "./services/definitions.ts";
import {
  freePort,
  type RestateNode,
  root,
  type Service,
  startServer,
  startService,
} from "./_server.ts";

let server: RestateNode & AsyncDisposable;
let service: Service & AsyncDisposable;
let latch: Server;
let latchUrl: string;
const waiting: (() => void)[] = [];
let arrived: () => void = () => {};

before(async () => {
  latch = createServer((_req, res) => {
    waiting.push(() => res.end("ok"));
    arrived();
  });
  const port = await freePort();
  await new Promise<void>((r) => latch.listen(port, "127.0.0.1", r));
  latchUrl = `http://127.0.0.1:${port}`;
  server = await startServer();
  service = await startService(
    "tests/restate/services/store_service.ts",
    "node22",
    {
      LATCH: latchUrl,
    },
  );
  await server.register(service.uri);
});

after(async () => {
  for (const release of waiting) release();
  await service?.[Symbol.asyncDispose]();
  await server?.[Symbol.asyncDispose]();
  latch?.close();
});

const counters = (options: { shards?: number; name?: string } = {}) =>
  storeClient<typeof Counters>(server.ingress, {
    service: "counters",
    timeout: 20_000,
    ...options,
  });

test("restateStore: 200 concurrent update() calls to one key lose none", async () => {
  const client = counters({ name: "lose-none" });
  const results = await Promise.all(
    Array.from({ length: 200 }, () => client.update("hits", "add", 1)),
  );
  assert.equal(await client.get("hits"), 200);
  // Each update ran alone: every intermediate value was seen exactly once.
  assert.deepEqual(
    results.sort((a, b) => a - b),
    Array.from({ length: 200 }, (_, i) => i + 1),
  );
});

test("restateStore: get/set/has/delete/size/entries/clear keep the local Store's contract", async () => {
  const client = counters({ name: "contract", shards: 3 });
  assert.equal(await client.get("a"), undefined);
  assert.equal(await client.has("a"), false);
  await client.set("a", 1);
  await client.set("b", 2);
  await client.set("c", 0);
  assert.equal(await client.get("a"), 1);
  assert.equal(await client.has("c"), true);
  assert.equal(await client.size(), 3);
  const entries: [string, number][] = [];
  for await (const entry of client.entries()) entries.push(entry);
  assert.deepEqual(entries.sort(), [["a", 1], ["b", 2], ["c", 0]]);
  assert.equal(await client.delete("a"), true);
  assert.equal(await client.delete("a"), false);
  await client.clear();
  assert.equal(await client.size(), 0);
});

test("restateStore: commands to keys on different objects run in parallel", async () => {
  const client = counters({ name: "parallel", shards: 8 });
  const keys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"];
  const [slow, fast] = [
    keys.find((k) => client.shardOf(k) === 0)!,
    keys.find((k) => client.shardOf(k) === 1)!,
  ];
  const reached = new Promise<void>((r) => arrived = r);
  // The slow key's updater holds its object until the latch opens...
  const held = client.update(slow, "wait");
  await reached;
  // ...while a command to another object completes meanwhile.
  assert.equal(await client.update(fast, "add", 5), 5);
  assert.equal(waiting.length, 1);
  waiting.shift()!();
  assert.equal(await held, 1);
});

test("restateStore: refusals are terminal and reach the caller as the same class", async () => {
  const client = counters({ name: "refusals" });
  await assert.rejects(
    client.update("x", "fail"),
    (e: unknown) =>
      e instanceof RangeError && e.message === "Cannot fail: on purpose",
  );
  await assert.rejects(
    // @ts-expect-error: "by" must be a number
    client.update("x", "add", "one"),
    (e: unknown) =>
      e instanceof TypeError &&
      /by must be a number/.test((e as Error).message),
  );
  await assert.rejects(
    // @ts-expect-error: no such updater
    client.update("x", "nope"),
    (e: unknown) =>
      e instanceof TypeError &&
      /unknown updater \(known: add, fail, wait\)/.test((e as Error).message),
  );
  await assert.rejects(
    // @ts-expect-error: a function cannot cross the wire
    client.update("x", (n: number) => n + 1),
    (e: unknown) =>
      e instanceof TypeError && /named updater/.test((e as Error).message),
  );
  assert.equal(await client.has("x"), false);
});

test("restateStore: hostile JSON at the ingress is refused with a TypeError, not retried", async () => {
  for (
    const [handler, body] of [
      ["update", "[1]"],
      ["update", '{"key":"k","name":"add","args":"nope"}'],
      ["update", '{"key":"k","name":"__proto__","args":[]}'],
      ["set", '{"key":"k"}'],
      ["get", "null"],
    ]
  ) {
    const response = await fetch(
      `${server.ingress}/counters/hostile/${handler}`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(20_000),
      },
    );
    assert.equal(response.status, 400, `${handler} ${body}`);
    const reply = await response.json() as {
      metadata: { "warden-error": string };
    };
    assert.equal(JSON.parse(reply.metadata["warden-error"]).name, "TypeError");
  }
  assert.equal(await counters({ name: "hostile" }).size(), 0);
});

test("restateStore: one idempotency key runs the command once", async () => {
  const client = counters({ name: "idempotent" });
  const once = client.with({ idempotencyKey: "add-once" });
  assert.equal(await once.update("n", "add", 1), 1);
  assert.equal(await once.update("n", "add", 1), 1); // the first reply again
  assert.equal(await client.get("n"), 1);
});

test("restateStore: with({ signal }) rejects with the signal's reason", async () => {
  const reason = new Error("stop");
  await assert.rejects(
    counters().with({ signal: AbortSignal.abort(reason) }).get("a"),
    (e) => e === reason,
  );
});

test("restateMachine: refuses illegal transitions across processes, state unchanged", async () => {
  const door = machineClient<typeof Door>(server.ingress, {
    service: "door",
    name: "illegal",
    timeout: 20_000,
  });
  assert.equal(await door.state(), "locked");
  await assert.rejects(door.send("open"), (e: unknown) => {
    assert.ok(e instanceof TransitionError);
    assert.equal(e.from, "locked");
    assert.equal(e.event, "open");
    return true;
  });
  assert.equal(await door.state(), "locked");
  assert.equal(await door.send("unlock"), "shut");
  assert.equal(await door.can("open"), true);
  assert.equal(await door.can("unlock"), false);
  await assert.rejects(door.send("unlock"), TransitionError);
  assert.deepEqual(await door.snapshot(), {
    state: "shut",
    context: { opened: 0, closed: 1 },
  });
  // A second client, as another process would build it, sees the same machine.
  const again = machineClient<typeof Door>(server.ingress, {
    service: "door",
    name: "illegal",
  });
  assert.equal(await again.state(), "shut");
  await assert.rejects(
    // @ts-expect-error: the timers' own events are not for callers
    again.send("~after:1500"),
    (e: unknown) => e instanceof TypeError,
  );
});

test("restateMachine: an after timer moves the machine; a stale one does nothing", async () => {
  const door = machineClient<typeof Door>(server.ingress, {
    service: "door",
    name: "timers",
    timeout: 20_000,
  });
  await door.send("unlock");
  assert.equal(await door.send("ajar"), "ajar"); // arms 1000 ms
  assert.equal(await door.send("shut"), "shut"); // leaves it: that timer is stale
  assert.equal(await door.send("open"), "open"); // arms 1500 ms
  for (let i = 0; i < 200 && await door.state() !== "shut"; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(await door.snapshot(), {
    state: "shut",
    context: { opened: 1, closed: 3 },
  });
  // The stale ajar timer (due long before) never moved it.
  await new Promise((r) => setTimeout(r, 1_200));
  assert.deepEqual(await door.snapshot(), {
    state: "shut",
    context: { opened: 1, closed: 3 },
  });
});

test("restate: a call to a service that is down rejects with TimeoutError after its timeout", async () => {
  await using other = await startServer();
  // Registered, then gone: the ingress holds the call.
  const down = await startService(
    "tests/restate/services/store_service.ts",
    "node22",
    {},
  );
  await other.register(down.uri);
  await down.kill9();
  const client = storeClient<typeof Counters>(other.ingress, {
    service: "counters",
    timeout: 1_000,
  });
  await assert.rejects(
    client.update("a", "add", 1),
    (e: unknown) => e instanceof TimeoutError && e.timeout === 1_000,
  );
});

test("restate: the service refuses Node 20 with a clear error instead of hanging", () => {
  const hasResolvers =
    typeof (Promise as { withResolvers?: unknown }).withResolvers ===
      "function";
  const result = spawnSync(process.execPath, [
    "--import",
    "tsx",
    "tests/restate/services/store_service.ts",
  ], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, PORT: "1" },
  });
  if (hasResolvers) return; // this Node has it: nothing to refuse
  assert.notEqual(result.status, 0);
  assert.match(
    result.stderr,
    /Cannot create restateStore: @restatedev\/restate-sdk needs Promise.withResolvers.*Node v20/,
  );
});
