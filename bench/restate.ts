// `unshare -n sh -c 'ip link set lo up && node --import tsx bench/restate.ts'`
// ops/s of add(1) through the warden client (storeClient.update) against
// the same counter written directly with the Restate SDK and called with
// its own client (@restatedev/restate-sdk-clients), in the same run, on one
// real restate-server (loopback) and one service process on Node 22.
// Rounds alternate between the variants; the median round is reported.
import * as clients from "@restatedev/restate-sdk-clients";
import { storeClient } from "../src/restate/mod.ts";
import type { Raw, Warden } from "./restate_service.ts";
import { startServer, startService } from "../tests/restate/_server.ts";

await using server = await startServer();
await using service = await startService("bench/restate_service.ts");
await server.register(service.uri);

// One warden store per key (its object key is the store's name), so that
// both variants use one Restate object per key.
const stores = new Map<string, ReturnType<typeof storeClient<typeof Warden>>>();
const warden = (key: string) => {
  let store = stores.get(key);
  if (!store) {
    store = storeClient<typeof Warden>(server.ingress, {
      service: "warden",
      name: key,
    });
    stores.set(key, store);
  }
  return store;
};
const raw = clients.connect({ url: server.ingress });
const CALLERS = 100;

type Variant = (key: string, i: number) => PromiseLike<unknown>;
const variants: Record<string, Variant> = {
  "warden client (idempotency key per call)": (key) =>
    warden(key).update("n", "add", 1),
  "raw SDK client, idempotency key per call": (key) =>
    raw.objectClient<typeof Raw>({ name: "raw" }, key).add(
      1,
      clients.rpc.opts({ idempotencyKey: crypto.randomUUID() }),
    ),
  "raw SDK client, no idempotency key": (key) =>
    raw.objectClient<typeof Raw>({ name: "raw" }, key).add(1),
};

async function round(
  run: Variant,
  keys: string[],
  total: number,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    while (next < total) {
      const i = next++;
      await run(keys[i % keys.length]!, i);
    }
  }));
  return total / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) =>
  xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
let salt = 0;
for (
  const [label, keyCount, total] of [["one key", 1, 600], [
    "50 keys",
    50,
    1500,
  ]] as const
) {
  const results: Record<string, number[]> = {};
  for (let r = 0; r < 3; r++) {
    for (const [name, run] of Object.entries(variants)) {
      // Fresh keys per round: every variant starts from the same state.
      const keys = Array.from({ length: keyCount }, (_, k) => `b${salt}-${k}`);
      salt++;
      (results[name] ??= []).push(await round(run, keys, total));
    }
  }
  const base = median(results["raw SDK client, idempotency key per call"]!);
  for (const [name, xs] of Object.entries(results)) {
    const m = median(xs);
    console.log(
      `| ${label} | ${name} | ${Math.round(m)} ops/s | ${
        ((m / base - 1) * 100).toFixed(1)
      }% | ${xs.map(Math.round).join(", ")} |`,
    );
  }
}
