// `npm run build`: the npm package's dist/.
//
// - esbuild bundles the public entry points as ES modules (not minified,
//   with source maps): dist/mod.js (`@warden/core`), dist/durable.js
//   (`@warden/core/durable`), dist/workers.js (`@warden/core/workers`),
//   dist/restate.js (`@warden/core/restate`) and dist/otel.js
//   (`@warden/core/otel`). Code splitting puts what they share in one
//   chunk, so all entry points use the same classes (`instanceof` holds).
// - tsc writes the declarations (tsconfig.build.json, emitDeclarationOnly):
//   dist/mod.d.ts, dist/src/**/*.d.ts; relative `.ts` specifiers in them are
//   rewritten to `.js` so that every TypeScript version resolves them, and
//   the entry points reference lib "esnext.disposable" (AsyncDisposable).
// - prints minified+gzipped sizes (scripts/size.mjs).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { entries, format, measure } from "./size.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

rmSync(dist, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: [
    { in: "mod.ts", out: "mod" },
    { in: "src/durable/mod.ts", out: "durable" },
    { in: "src/workers/mod.ts", out: "workers" },
    { in: "src/restate/mod.ts", out: "restate" },
    { in: "src/otel/mod.ts", out: "otel" },
  ],
  external: ["@restatedev/restate-sdk", "@restatedev/restate-sdk/*"],
  outdir: "dist",
  bundle: true,
  splitting: true,
  chunkNames: "chunk-[hash]",
  format: "esm",
  platform: "neutral",
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
});

execFileSync(
  process.execPath,
  [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  { cwd: root, stdio: "inherit" },
);

// `from "./x.ts"` / `import("./x.ts")` in declarations → "./x.js".
const relativeTs = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g;
// The entry points' declarations name AsyncDisposable / Symbol.asyncDispose:
// pull in that lib so consumers without "esnext" in `lib` type-check.
const entryDeclarations = [
  join(dist, "mod.d.ts"),
  join(dist, "src/durable/mod.d.ts"),
  join(dist, "src/workers/mod.d.ts"),
  join(dist, "src/restate/mod.d.ts"),
  join(dist, "src/otel/mod.d.ts"),
];
for (const file of walk(dist)) {
  if (!file.endsWith(".d.ts")) continue;
  const text = readFileSync(file, "utf8");
  let rewritten = text.replace(relativeTs, "$1$2.js$3");
  if (entryDeclarations.includes(file)) {
    rewritten = `/// <reference lib="esnext.disposable" />\n${rewritten}`;
  }
  if (rewritten !== text) writeFileSync(file, rewritten);
}

for (const { name, code } of entries) {
  const { minified, gzipped } = await measure(code);
  console.log(
    `${name}: ${format(minified)} minified, ${
      format(gzipped)
    } minified+gzipped`,
  );
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
