// Starts the test Worker (tests/durable/worker.ts, bundled with esbuild) on
// real workerd through miniflare: loopback only, no network, no cf.json.
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";
import { readdirSync, readFileSync } from "node:fs";

/**
 * The pids of the workerd processes this process started (miniflare spawns
 * workerd as a direct child): read from /proc, Linux only.
 */
export function workerdChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid ...: comm may hold spaces, so split after ")".
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (comm === "workerd" && ppid === process.pid) pids.push(Number(name));
  }
  return pids;
}

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
    loader: { ".html": "text" },
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
      LIVE: "Live",
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
