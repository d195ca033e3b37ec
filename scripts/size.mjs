// Bundle size of the library as a user's bundler would ship it: the whole
// public entry point bundled, minified by esbuild, then gzipped (level 9).
// `node scripts/size.mjs` prints one line per entry point.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Entry points measured: the core, and the Durable Objects sub-export. */
export const entries = [
  { name: "@warden/core", path: "mod.ts" },
  { name: "@warden/core/durable", path: "src/durable/mod.ts" },
];

/**
 * Minified and minified+gzipped byte counts of one entry point, bundled with
 * everything it imports.
 */
export async function measure(path) {
  const result = await build({
    entryPoints: [path],
    absWorkingDir: root,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

/** A size as "5.4 KB (5,512 B)". */
export function format(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB (${bytes.toLocaleString("en-US")} B)`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { name, path } of entries) {
    const { minified, gzipped } = await measure(path);
    console.log(`${name}: ${format(minified)} minified, ${format(gzipped)} minified+gzipped`);
  }
}
