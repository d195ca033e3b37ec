#!/usr/bin/env node
// `npm run bench`: bundles bench/suite.ts once with esbuild, runs the Go seed
// (when `go` is installed), then runs the same bundle on Node, Deno and Bun
// and prints each runtime's table followed by the targets of issue 4.
//
//   node bench/run.mjs                 full run (a few minutes)
//   node bench/run.mjs --quick         short rounds, smaller sizes
//   node bench/run.mjs --runtime=node,bun --only=mix,heap
//   node bench/run.mjs --markdown      also print the tables as Markdown
//
// After each runtime's suite it runs the cross-thread round trip
// (`bench/workers.ts --roundtrip`, with a burner on one core) on that
// runtime (`--only=` without `roundtrip` leaves it out), and it measures the
// core's bundle size (scripts/size.mjs), so that the targets of issue 18
// print with the rest.
//
// Benchmarks measure; they never fail on a number.

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { entries as sizeEntries, measure } from "../scripts/size.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) =>
  args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];

const quick = flag("quick");
const markdown = flag("markdown");
const runtimes = (option("runtime") ?? "node,deno,bun").split(",");
const only = option("only") ?? "";

const outDir = join(root, "node_modules", ".cache", "warden-bench");
mkdirSync(outDir, { recursive: true });
const bundle = join(outDir, "suite.mjs");
await build({
  entryPoints: [join(root, "bench", "suite.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  define: { "process.env.NODE_ENV": '"production"' },
  outfile: bundle,
  logLevel: "warning",
});

const bin = (name) => join(root, "node_modules", ".bin", name);
const commands = {
  node: [process.execPath, ["--expose-gc", bundle]],
  deno: [bin("deno"), ["run", "-A", "--v8-flags=--expose-gc", bundle]],
  bun: [bin("bun"), ["run", bundle]],
};

const env = { ...process.env, WARDEN_BENCH_ONLY: only };
if (quick) env.WARDEN_BENCH_QUICK = "1";

// The seed, side by side: Go 1.19+ from e.g. Debian's golang-go.
let go;
const wantMix = only === "" || only.split(",").includes("mix");
if (wantMix) {
  const probe = spawnSync("go", ["version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    console.log(
      "Go seed: skipped (`go` not found; e.g. apt-get install golang-go)",
    );
  } else {
    const seed = spawnSync(
      "go",
      [
        "run",
        join(root, "bench", "seed.go"),
        ...(quick ? ["-rounds", "3", "-ms", "40"] : []),
      ],
      { encoding: "utf8", cwd: root },
    );
    if (seed.status === 0) {
      go = JSON.parse(seed.stdout);
      env.WARDEN_BENCH_GO = JSON.stringify(go);
      console.log(
        `Go seed (${go.version}, GOMAXPROCS ${go.procs}): ${
          (go.one / 1e6).toFixed(2)
        }M ops/s (1 caller), ${(go.many / 1e6).toFixed(2)}M (1,000 goroutines)`,
      );
    } else {
      console.log(`Go seed: failed, skipped\n${seed.stderr}`);
    }
  }
}

// The round trip runs from source (the file is its own worker script).
const workersScript = join(root, "bench", "workers.ts");
const roundTripCommands = {
  node: [process.execPath, ["--import", "tsx", workersScript]],
  deno: [bin("deno"), ["run", "-A", workersScript]],
  bun: [bin("bun"), [workersScript]],
};
const wantRoundTrip = only === "" || only.split(",").includes("roundtrip");

function run(name) {
  return runCommand(name, ...commands[name]);
}

/** Runs `cmd argv`, echoing its output; resolves its `@@RESULT` line. */
function runCommand(name, cmd, argv) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {
      env,
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let result;
    let buffer = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (data) => {
      buffer += data;
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith("@@RESULT ")) result = JSON.parse(line.slice(9));
        else console.log(line);
      }
    });
    child.on("error", (error) => {
      console.log(`${name}: skipped (${error.message})`);
      resolve(undefined);
    });
    child.on("close", (code) => {
      if (code !== 0) console.log(`${name}: exited with ${code}`);
      resolve(result);
    });
  });
}

const results = [];
for (const name of runtimes) {
  console.log();
  const result = await run(name);
  if (result === undefined) continue;
  if (wantRoundTrip) {
    const [cmd, argv] = roundTripCommands[name];
    const trip = await runCommand(`${name} round trip`, cmd, [
      ...argv,
      "--roundtrip",
      "--result",
    ]);
    if (trip) result.roundtrip = trip.roundtrip;
  }
  results.push(result);
}

// The core's size: the same on every runtime, printed with each one's targets.
const core = sizeEntries.find((e) =>
  e.name.includes("{ Owner, Store, Machine }")
);
const coreSize = await measure(core.code);

// ------------------------------------------------------------- targets

const M = (n) => `${(n / 1e6).toFixed(2)}M`;
const r2 = (n) => n.toFixed(2);
const row = (mix, prefix) => mix.find((r) => r.name.startsWith(prefix));

function targets(res) {
  const out = [];
  const add = (target, measured, ok) => out.push({ target, measured, ok });
  const mix = res.mix ?? [];
  const floor = row(mix, "promise floor (async");
  const floorNew = row(mix, "promise floor (new");
  const write = row(mix, "one write()");
  const store = row(mix, "warden Store");
  const mutex = row(mix, "async-mutex");
  const xs = row(mix, "XState");
  const pq = row(mix, "p-queue");
  const seed = row(mix, "Go seed");
  if (store && floor) {
    const v = store.many / floor.many;
    add(
      "1,000 callers: Store ≥ 0.6× promise floor (async fn)",
      `${r2(v)}×`,
      v >= 0.6,
    );
  }
  if (store && floorNew) {
    const v = store.many / floorNew.many;
    add(
      "1,000 callers: Store ≥ 0.6× promise floor (new Promise)",
      `${r2(v)}×`,
      v >= 0.6,
    );
  }
  if (store && write) {
    const v = store.one / write.one;
    add(
      "1 caller: Store ≥ 0.9× one write() per command",
      `${r2(v)}×`,
      v >= 0.9,
    );
  }
  if (res.burst) {
    const v = res.burst.large / res.burst.small;
    add(
      "100k burst ≥ 0.8× per-command throughput of 1k burst (idle store)",
      `${r2(v)}×`,
      v >= 0.8,
    );
    const q = res.burst.queuedLarge / res.burst.queuedSmall;
    add(
      "100k burst ≥ 0.8× per-command throughput of 1k burst (all queued)",
      `${r2(q)}×`,
      q >= 0.8,
    );
    // Context, not a target: the same drop with no owner at all.
    const f = res.burst.floorLarge / res.burst.floorSmall;
    add(
      "(for comparison) the same bursts of async fn calls, no owner",
      `${r2(f)}×`,
      undefined,
    );
  }
  // Issue 18: Owner's idle path against Store's, the queued burst against
  // the floor's own drop.
  const owner = mix.find((r) => r.name === "warden Owner");
  const plainStore = mix.find((r) => r.name === "warden Store");
  if (owner && plainStore && floor) {
    const v = (owner.one / floor.one) / (plainStore.one / floor.one);
    add(
      "1 caller: Owner's ratio to the floor ≥ 0.9× Store's",
      `${r2(owner.one / floor.one)} / ${r2(plainStore.one / floor.one)} = ${
        r2(v)
      }×`,
      v >= 0.9,
    );
  }
  if (res.burst) {
    const q = res.burst.queuedLarge / res.burst.queuedSmall;
    const f = res.burst.floorLarge / res.burst.floorSmall;
    add(
      "queued 100k burst keeps ≥ 0.8× the floor's own drop",
      `${r2(q)} / ${r2(f)} = ${r2(q / f)}×`,
      q / f >= 0.8,
    );
    const a = res.burst.actorLarge / res.burst.actorSmall;
    add(
      "(for comparison) hand-rolled actor's drop ÷ the floor's",
      `${r2(a)} / ${r2(f)} = ${r2(a / f)}×`,
      undefined,
    );
  }
  // The cost of an inspector (a no-op function), same run.
  for (const base of ["warden Store", "warden Owner"]) {
    const off = mix.find((r) => r.name === base);
    const on = mix.find((r) => r.name.startsWith(`${base}, inspect on`));
    if (off && on) {
      add(
        `(cost) ${base} with a no-op inspector, 1 caller / 1,000 callers`,
        `${r2(on.one / off.one)}× / ${r2(on.many / off.many)}×`,
        undefined,
      );
    }
  }
  if (res.heap) {
    const b = res.heap.perCommand[0].bytes;
    add("≤ 300 B heap per queued command", `${b.toFixed(0)} B`, b <= 300);
    const s = res.heap.soak;
    const growth = s[s.length - 1] - s[0];
    add(
      `heap flat across ${res.heap.soakCommands / 1e6}M commands`,
      `${(s[0] / 2 ** 20).toFixed(1)} → ${
        (s[s.length - 1] / 2 ** 20).toFixed(1)
      } MB`,
      growth < 2 ** 20,
    );
  }
  if (store && seed) {
    const a = store.one / seed.one;
    const b = store.many / seed.many;
    add(
      "≥ 1.5× the Go seed (1 caller / 1,000 callers)",
      `${r2(a)}× / ${r2(b)}×`,
      a >= 1.5 && b >= 1.5,
    );
  }
  if (store && mutex) {
    const v = store.many / mutex.many;
    add("1,000 callers: ≥ 10× async-mutex", `${r2(v)}×`, v >= 10);
  }
  if (store && xs) {
    const v = store.many / xs.many;
    add("1,000 callers: ≥ 5× XState", `${r2(v)}×`, v >= 5);
  }
  if (store && pq) {
    const v = store.many / pq.many;
    add("1,000 callers: ahead of p-queue", `${r2(v)}×`, v > 1);
  }
  // Issue 18: the round trip with the cores busy, against a plain
  // postMessage request/reply (the default transport's row), and the size.
  const trip = res.roundtrip?.find((r) => r.kind === "warden");
  if (trip) {
    add(
      "round trip, one core busy: ≥ 1.0× plain postMessage (rate; CPU)",
      `${r2(trip.rateRatio)}× (CPU ${r2(trip.cpuRatio)}×)`,
      trip.rateRatio >= 1,
    );
    const comlink = res.roundtrip.find((r) => r.kind === "comlink");
    if (comlink) {
      add(
        "(for comparison) comlink's round trip ÷ plain (rate; CPU)",
        `${r2(comlink.rateRatio)}× (CPU ${r2(comlink.cpuRatio)}×)`,
        undefined,
      );
    }
  }
  add(
    "core (Owner, Store, Machine) ≤ 6 KB minified + gzipped",
    `${(coreSize.gzipped / 1024).toFixed(1)} KB`,
    coreSize.gzipped <= 6 * 1024,
  );
  if (res.entries) {
    const v = res.entries.perSecond;
    add(
      `entries() ≥ 3M entries/s (${
        res.entries.size / 1e6
      }M entries; target set for Node)`,
      `${M(v)}/s`,
      v >= 3e6,
    );
  }
  return out;
}

console.log("\nTargets (issues 4 and 18), each ratio from one run:");
for (const res of results) {
  console.log(`  ${res.version}`);
  for (const t of targets(res)) {
    const mark = t.ok === undefined ? "info  " : t.ok ? "met   " : "MISSED";
    console.log(`    ${mark} ${t.target.padEnd(58)} ${t.measured}`);
  }
}

if (markdown) {
  console.log("\n<!-- markdown -->");
  const withMix = results.filter((r) => r.mix?.length);
  if (withMix.length) {
    const head = withMix.map((r) => r.version);
    console.log(
      `| get/set mix, ops/s (× promise floor) | ${
        head.map((h) => `${h}, 1 caller | ${h}, 1,000 callers`).join(" | ")
      } |`,
    );
    console.log(`| --- | ${head.map(() => "---: | ---:").join(" | ")} |`);
    for (const [i, base] of withMix[0].mix.entries()) {
      const cells = withMix.map((r) => {
        const m = r.mix[i];
        const f = row(r.mix, "promise floor (async");
        return `${M(m.one)} (${r2(m.one / f.one)}) | ${M(m.many)} (${
          r2(m.many / f.many)
        })`;
      });
      console.log(`| ${base.name} | ${cells.join(" | ")} |`);
    }
  }
  console.log();
  const other = [
    [
      "Machine send(), transitions/s: 1 caller / 1,000 callers",
      (r) => r.machine && `${M(r.machine.one)} / ${M(r.machine.many)}`,
    ],
    [
      "`Store.set` bursts to an idle store, cmds/s: 1k / 100k sent at once",
      (r) => r.burst && `${M(r.burst.small)} / ${M(r.burst.large)}`,
    ],
    [
      "the same bursts queued behind a running command",
      (r) => r.burst && `${M(r.burst.queuedSmall)} / ${M(r.burst.queuedLarge)}`,
    ],
    [
      "the same bursts, hand-rolled array-queue actor",
      (r) => r.burst && `${M(r.burst.actorSmall)} / ${M(r.burst.actorLarge)}`,
    ],
    [
      "the same bursts of calls to an async fn (no owner)",
      (r) => r.burst && `${M(r.burst.floorSmall)} / ${M(r.burst.floorLarge)}`,
    ],
    [
      "entries(), entries/s (reader reads one by one)",
      (r) =>
        r.entries &&
        `${M(r.entries.perSecond)} (${r.entries.size / 1e6}M entries)`,
    ],
    [
      "Store ops/s, 1,000 callers: idle / entries() reader stalled",
      (r) =>
        r.entries &&
        `${M(r.entries.servingIdle)} / ${M(r.entries.servingWhileStalled)}`,
    ],
    [
      "heap per queued command: Store / one write() / array actor",
      (r) =>
        r.heap &&
        r.heap.perCommand.map((h) => `${h.bytes.toFixed(0)} B`).join(" / "),
    ],
    [
      "heap after 1/10 and 10/10 of the soak",
      (r) =>
        r.heap &&
        `${(r.heap.soak[0] / 2 ** 20).toFixed(1)} / ${
          (r.heap.soak[9] / 2 ** 20).toFixed(1)
        } MB (${r.heap.soakCommands / 1e6}M cmds)`,
    ],
  ];
  console.log(`| measurement | ${results.map((r) => r.version).join(" | ")} |`);
  console.log(`| --- | ${results.map(() => "---").join(" | ")} |`);
  for (const [label, get] of other) {
    console.log(
      `| ${label} | ${results.map((r) => get(r) ?? "–").join(" | ")} |`,
    );
  }
  console.log();
  console.log(`| target | ${results.map((r) => r.version).join(" | ")} |`);
  console.log(`| --- | ${results.map(() => "---").join(" | ")} |`);
  const all = results.map(targets);
  for (const [i, t] of all[0].entries()) {
    console.log(
      `| ${t.target} | ${
        all.map((ts) =>
          `${ts[i]?.measured ?? "–"}${ts[i]?.ok === false ? " ✗" : ""}`
        ).join(" | ")
      } |`,
    );
  }
}
