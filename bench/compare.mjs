#!/usr/bin/env node
// `node bench/compare.mjs <commit> [--runtime=node,deno,bun]`: this tree
// against another commit, in one process per runtime (bench/compare.ts).
// The other commit's `mod.ts` and `src/` are extracted with `git archive`
// into node_modules/.cache/warden-compare/<commit>/, both are bundled into
// one file with esbuild, and the file runs on each runtime.
//
//   node bench/compare.mjs 7466f84     # e.g. the commit before the inspection hooks
//
// Benchmarks measure; they never fail on a number.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const ref = args.find((a) => !a.startsWith("--"));
if (ref === undefined) {
  console.error(
    "usage: node bench/compare.mjs <commit> [--runtime=node,deno,bun]",
  );
  process.exit(2);
}
const runtimes = (args.find((a) => a.startsWith("--runtime="))?.split("=")[1] ??
  "node,deno,bun").split(",");

const commit = execFileSync("git", ["rev-parse", "--short", ref], {
  cwd: root,
  encoding: "utf8",
}).trim();
const cache = join(root, "node_modules", ".cache", "warden-compare");
const other = join(cache, commit);
mkdirSync(other, { recursive: true });
execFileSync(
  "sh",
  ["-c", `git archive ${commit} mod.ts src | tar -x -C "${other}"`],
  { cwd: root },
);

const bundle = join(cache, `compare-${commit}.mjs`);
await build({
  stdin: {
    contents: [
      `import * as other from ${JSON.stringify(join(other, "mod.ts"))};`,
      `import * as here from ${JSON.stringify(join(root, "mod.ts"))};`,
      `import { compare } from ${
        JSON.stringify(join(root, "bench", "compare.ts"))
      };`,
      `await compare(other, here);`,
    ].join("\n"),
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  format: "esm",
  platform: "neutral",
  external: ["node:process"],
  outfile: bundle,
  logLevel: "warning",
});

const bin = (name) => join(root, "node_modules", ".bin", name);
const commands = {
  node: [process.execPath, [bundle]],
  deno: [bin("deno"), ["run", "-A", bundle]],
  bun: [bin("bun"), ["run", bundle]],
};
console.log(
  `This tree's speed ÷ ${commit}'s, per-round CPU time, medians (above 1: this tree is faster):`,
);
for (const name of runtimes) {
  const [cmd, argv] = commands[name];
  console.log(`== ${name}`);
  const result = spawnSync(cmd, argv, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) console.log(`${name}: exited with ${result.status}`);
}
