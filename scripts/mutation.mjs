#!/usr/bin/env node
// `npm run mutation [-- --mutate <file>]`: mutation testing of the core with
// Stryker and its TAP runner over `node --test` (stryker.config.json).
//
// Stryker 10 needs Node >= 22, so it is not a dependency of the root package
// (installing it on Node 20 prints an engine warning per package). Its exact
// versions are pinned in tools/mutation/package.json and package-lock.json;
// this script installs them on first use (scripts/tools.mjs) and runs
// Stryker, and the test processes it starts, on Node 22
// (scripts/node_lines.mjs).
// The HTML report lands in reports/mutation/index.html (ignored by git).
//
// `--quick` leaves out the slowest test files (QUICK_SKIP: the worker-thread
// suites, ~50 s a run, which test the adapter rather than the core; the
// property suites, ~15 s each; and the checks of the bundle's class names,
// of types and of the JSDoc examples' text, which test no core behaviour
// and cost a process start each): a surviving mutant reruns every test file
// that covers it, so a slice of the engine takes hours with them on this
// 2-core machine. A quick run's score is a lower bound of the full one
// (fewer tests can only kill fewer mutants).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeBinary } from "./node_lines.mjs";
import { ensureTool } from "./tools.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const major = Number(process.versions.node.split(".")[0]);
const node = major >= 22 ? process.execPath : nodeBinary(22);
if (node === undefined) {
  process.stderr.write(
    `skipped: Stryker needs Node >= 22, and there is no Node 22 binary from npm for ${process.platform}-${process.arch}\n`,
  );
  process.exit(3);
}
// npm, Stryker and the test processes it spawns (`node ...`) all run on it.
const env = {
  ...process.env,
  PATH: `${dirname(node)}:${process.env.PATH ?? ""}`,
};

const modules = ensureTool("mutation", env);
const stryker = join(
  modules,
  "@stryker-mutator",
  "core",
  "bin",
  "stryker.js",
);
const QUICK_SKIP =
  /^(workers|worker_exit|property_.*|class_names|endpoint_types|jsdoc_examples)\.test\.ts$/;
let config = join(root, "stryker.config.json");
const args = process.argv.slice(2);
if (args.includes("--quick")) {
  args.splice(args.indexOf("--quick"), 1);
  const full = JSON.parse(readFileSync(config, "utf8"));
  full.tap.testFiles = readdirSync(join(root, "tests"))
    .filter((name) => name.endsWith(".test.ts") && !QUICK_SKIP.test(name))
    .map((name) => `tests/${name}`);
  full.$schema = undefined;
  mkdirSync(join(root, "reports"), { recursive: true });
  config = join(root, "reports", "stryker.quick.json");
  writeFileSync(config, JSON.stringify(full, null, 2));
}
const result = spawnSync(
  node,
  [stryker, "run", config, ...args],
  { cwd: root, stdio: "inherit", env },
);
process.exit(result.status ?? 1);
