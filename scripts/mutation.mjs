#!/usr/bin/env node
// `npm run mutation [-- --mutate <file>]`: mutation testing of the core with
// Stryker and its TAP runner over `node --test` (stryker.config.json).
//
// Stryker 10 needs Node >= 22, so it is not a dependency of the root package
// (installing it on Node 20 prints an engine warning per package). Its exact
// versions are pinned in tools/mutation/package.json and package-lock.json;
// this script installs them on first use (`npm ci`) and runs Stryker, and
// the test processes it starts, on Node 22 (scripts/node_lines.mjs).
// The HTML report lands in reports/mutation/index.html (ignored by git).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeBinary } from "./node_lines.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tools = join(root, "tools", "mutation");

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

const lock = readFileSync(join(tools, "package-lock.json"), "utf8");
const stamp = join(tools, "node_modules", ".installed-lock.json");
if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== lock) {
  process.stderr.write("installing Stryker (tools/mutation, npm ci)\n");
  execFileSync("npm", [
    "ci",
    "--prefix",
    tools,
    "--no-fund",
    "--no-audit",
    "--loglevel=error",
  ], { stdio: "inherit", env });
  writeFileSync(stamp, lock);
}

const stryker = join(
  tools,
  "node_modules",
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
