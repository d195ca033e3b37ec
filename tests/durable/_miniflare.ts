// Starts the test Worker (tests/durable/worker.ts, bundled with esbuild) on
// real workerd through miniflare: loopback only, no network, no cf.json.
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";

let bundled: Promise<string> | undefined;

/** The test Worker as one ES module. */
export function workerSource(
  entry = fileURLToPath(new URL("./worker.ts", import.meta.url)),
): Promise<string> {
  bundled ??= build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
  }).then((result) => result.outputFiles[0]!.text);
  return bundled;
}

/** A running Worker; `persist` keeps Durable Object storage in that folder. */
export async function start(persist?: string): Promise<{
  mf: Miniflare;
  get(
    path: string,
  ): Promise<{ value?: unknown; error?: Record<string, unknown> }>;
}> {
  const mf = new Miniflare({
    cf: false,
    host: "127.0.0.1",
    compatibilityDate: "2026-04-01",
    modules: [{
      type: "ESModule",
      path: "worker.js",
      contents: await workerSource(),
    }],
    durableObjects: {
      COUNTERS: "Counters",
      CONNECTIONS: "Connections",
      NAIVE: "Naive",
      GATE: "Gate",
      LAMPS: "Lamps",
    },
    ...(persist === undefined ? {} : { durableObjectsPersist: persist }),
  });
  await mf.ready;
  return {
    mf,
    async get(path) {
      const response = await mf.dispatchFetch(`http://localhost${path}`);
      return await response.json() as {
        value?: unknown;
        error?: Record<string, unknown>;
      };
    },
  };
}
