// One command, no network, no Cloudflare account: bundles worker.ts with
// esbuild and runs it on real workerd through miniflare, with the Durable
// Objects' storage on disk; then restarts the runtime to show the state
// survived.  Usage: node examples/durable/run.mjs
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const { outputFiles } = await build({
  entryPoints: [here("./worker.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  write: false,
  alias: { "@warden/core/durable": here("../../src/durable/mod.ts") },
});
const persist = await mkdtemp(join(tmpdir(), "warden-example-"));

function runtime() {
  return new Miniflare({
    cf: false, // no cf.json download
    host: "127.0.0.1",
    compatibilityDate: "2026-04-01", // miniflare 4.20260426 on Node 20: <= 2026-04-26
    modules: [{
      type: "ESModule",
      path: "worker.js",
      contents: outputFiles[0].text,
    }],
    durableObjects: { COUNTERS: "Counters", ORDERS: "Orders" }, // as in wrangler.toml
    durableObjectsPersist: persist,
  });
}

async function call(mf, path) {
  const response = await mf.dispatchFetch(`http://localhost${path}`);
  const body = await response.json();
  console.log(`${path.padEnd(24)} ${response.status} ${JSON.stringify(body)}`);
  return body;
}

try {
  let mf = runtime();
  console.log("-- 200 concurrent hits over 5 pages, sharded over 4 objects");
  const pages = ["home", "about", "pricing", "docs", "blog"];
  await Promise.all(
    Array.from(
      { length: 200 },
      (_, i) => mf.dispatchFetch(`http://localhost/hit/${pages[i % 5]}`),
    ),
  );
  await call(mf, "/hits");
  console.log("-- an order: its protocol holds across requests");
  await call(mf, "/order/42/pay"); // refused: the guard wants items
  await call(mf, "/order/42/add");
  await call(mf, "/order/42/pay");
  await call(mf, "/order/42/add"); // refused: paid orders take no items
  await mf.dispose();

  console.log("-- restart the runtime (same storage folder)");
  mf = runtime();
  const hits = await call(mf, "/hits");
  await call(mf, "/order/42/ship");
  await mf.dispose();
  const total = Object.values(hits).reduce((a, b) => a + b, 0);
  if (total !== 200) {
    throw new Error(`expected 200 hits after the restart, counted ${total}`);
  }
  console.log(`ok: ${total} hits, none lost, all kept across the restart`);
} finally {
  await rm(persist, { recursive: true, force: true });
}
