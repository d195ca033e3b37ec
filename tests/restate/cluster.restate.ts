// A 3-node restate-server cluster on loopback (replication 2): kill one
// node, then the provisioning node, under load; no acknowledged command is
// lost and the final state equals the model.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { storeClient } from "../../src/restate/mod.ts";
import type { Counters } from "./services/definitions.ts";
import {
  freePort,
  RestateNode,
  type Service,
  startService,
} from "./_server.ts";

let nodes: RestateNode[] = [];
let service: Service & AsyncDisposable;
let baseDir: string;

before(async () => {
  baseDir = mkdtempSync(join(tmpdir(), "warden-restate-cluster-"));
  const ports = [];
  for (let i = 0; i < 3; i++) {
    ports.push({
      node: await freePort(),
      ingress: await freePort(),
      admin: await freePort(),
    });
  }
  const addresses = ports.map((p) => `"http://127.0.0.1:${p.node}/"`).join(
    ", ",
  );
  nodes = ports.map((p, i) =>
    new RestateNode(
      baseDir,
      p,
      [
        `cluster-name = "warden"`,
        `advertised-address = "http://127.0.0.1:${p.node}/"`,
        `default-replication = 2`,
        `auto-provision = ${i === 0}`,
        `[metadata-client]`,
        `addresses = [${addresses}]`,
      ].join("\n"),
      `n${i + 1}`,
    )
  );
  await Promise.all(nodes.map((n) => n.start({ wait: false })));
  await Promise.all(nodes.map((n) => n.healthy(90_000)));
  service = await startService("tests/restate/services/store_service.ts");
  await nodes[0]!.register(service.uri);
});

after(async () => {
  await service?.[Symbol.asyncDispose]();
  for (const node of nodes) await node.kill9();
  rmSync(baseDir, { recursive: true, force: true });
});

test("restate cluster: kill one node, then the provisioning node, under load: no acknowledged update lost", async () => {
  const down = new Set<number>();
  let turn = 0;
  // Any live node's ingress will do: move to the next on a transport error.
  const failover: typeof fetch = async (input, init) => {
    for (let tries = 0;; tries++) {
      const i = turn % nodes.length;
      if (down.has(i)) {
        turn++;
        continue;
      }
      const url = String(input).replace(
        /^http:\/\/127\.0\.0\.1:\d+/,
        nodes[i]!.ingress,
      );
      try {
        return await fetch(url, init);
      } catch (error) {
        if (init?.signal?.aborted || tries > 6) throw error;
        turn++;
      }
    }
  };
  const client = storeClient<typeof Counters>(nodes[0]!.ingress, {
    service: "counters",
    name: "cluster",
    shards: 4,
    fetch: failover,
  });
  // The cluster's first invocation may take a while after a fresh start.
  await client.with({ timeout: 60_000 }).set("warmup", 1);

  const KEYS = 8, CLIENTS = 20, EACH = 30;
  const acked = new Map<string, number>();
  const failed: { key: string; id: string }[] = [];
  const model = new Map<string, number>(); // every command issued, per key
  let total = 0;
  const phases: Promise<void>[] = [];
  let phase = 0;
  const workers = Array.from({ length: CLIENTS }, async (_, c) => {
    for (let j = 0; j < EACH; j++) {
      const key = `k${(c + j) % KEYS}`;
      model.set(key, (model.get(key) ?? 0) + 1);
      const id = `cluster-${c}-${j}`;
      try {
        await client.with({ idempotencyKey: id, timeout: 10_000 }).update(
          key,
          "add",
          1,
        );
        acked.set(key, (acked.get(key) ?? 0) + 1);
        total++;
        if (total === 100 && phase === 0) {
          phase = 1; // kill a non-provisioning node
          phases.push((async () => {
            down.add(2);
            await nodes[2]!.kill9();
          })());
        }
        if (total === 300 && phase === 1) {
          phase = 2; // bring it back, then kill the provisioning node
          phases.push((async () => {
            await nodes[2]!.start();
            down.delete(2);
            down.add(0);
            await nodes[0]!.kill9();
          })());
        }
      } catch {
        failed.push({ key, id });
      }
    }
  });
  await Promise.all(workers);
  await Promise.all(phases);
  const settle = client.with({ timeout: 60_000 });
  for (let k = 0; k < KEYS; k++) {
    const value = await settle.get(`k${k}`) ?? 0;
    assert.ok(
      value >= (acked.get(`k${k}`) ?? 0),
      `k${k}: ${value} < acked ${acked.get(`k${k}`)}`,
    );
  }
  await Promise.all(
    failed.map(({ key, id }) =>
      client.with({ idempotencyKey: id, timeout: 60_000 }).update(key, "add", 1)
    ),
  );
  for (let k = 0; k < KEYS; k++) {
    assert.equal(await settle.get(`k${k}`), model.get(`k${k}`), `k${k}`);
  }
  console.log(
    `cluster: ${total} acknowledged, ${failed.length} failed and retried, phase ${phase}`,
  );
});
