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
import { spawnSync } from "node:child_process";
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
const result = spawnSync(
  node,
  [stryker, "run", join(root, "stryker.config.json"), ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit", env },
);
process.exit(result.status ?? 1);
