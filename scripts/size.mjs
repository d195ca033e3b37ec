// Bundle size as a user's bundler ships it: an import from the package,
// bundled with everything it pulls in (tree-shaken), minified by esbuild,
// then gzipped (level 9). `node scripts/size.mjs` prints one line per row;
// `node scripts/size.mjs --markdown` prints the README's table rows;
// `node scripts/size.mjs --files` prints, for the core (`Owner`, `Store`,
// `Machine`), how many minified bytes each source file puts in the bundle.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** What is measured: an import statement, and the module it bundles. */
export const entries = [
  {
    name: `import * from "@warden/core" (everything)`,
    code: `export * from "./mod.ts";`,
  },
  {
    name: `import { Store } from "@warden/core"`,
    code: `export { Store } from "./mod.ts";`,
  },
  {
    name: `import { Owner } from "@warden/core"`,
    code: `export { Owner } from "./mod.ts";`,
  },
  {
    name: `import { Machine } from "@warden/core"`,
    code: `export { Machine } from "./mod.ts";`,
  },
  {
    name: `import { Owner, Store, Machine } from "@warden/core"`,
    code: `export { Machine, Owner, Store } from "./mod.ts";`,
  },
  {
    name: `import * from "@warden/core/workers" (everything)`,
    code: `export * from "./src/workers/mod.ts";`,
  },
  {
    name: `import * from "@warden/core/durable" (everything)`,
    code: `export * from "./src/durable/mod.ts";`,
  },
  {
    name:
      `import * from "@warden/core/restate" (everything, without the Restate SDK)`,
    code: `export * from "./src/restate/mod.ts";`,
  },
  {
    name: `import * from "@warden/core/otel" (everything)`,
    code: `export * from "./src/otel/mod.ts";`,
  },
];

/** Minified and minified+gzipped byte counts of one bundled module. */
export async function measure(code) {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "silent",
    external: ["@restatedev/restate-sdk", "@restatedev/restate-sdk/*"],
  });
  const bytes = result.outputFiles[0].contents;
  return {
    minified: bytes.length,
    gzipped: gzipSync(bytes, { level: 9 }).length,
  };
}

/**
 * Minified bytes each source file contributes to one bundled module, from
 * esbuild's metafile, largest first. Gzip is not additive per file; the
 * shares of the minified size are what the breakdown shows.
 */
export async function breakdown(code) {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const [output] = Object.values(result.metafile.outputs);
  return Object.entries(output.inputs)
    .map(([file, { bytesInOutput }]) => ({ file, bytes: bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** A size as "5.4 KB (5,512 B)". */
export function format(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB (${bytes.toLocaleString("en-US")} B)`;
}

if (
  process.argv[1] === fileURLToPath(import.meta.url) &&
  process.argv.includes("--files")
) {
  const core = entries.find((e) =>
    e.name.includes("{ Owner, Store, Machine }")
  );
  const files = await breakdown(core.code);
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  console.log(`${core.name}: minified bytes per source file`);
  for (const { file, bytes } of files) {
    if (bytes === 0) continue;
    console.log(
      `${String(bytes).padStart(7)} B ${
        (bytes / total * 100).toFixed(1).padStart(5)
      }%  ${file}`,
    );
  }
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const markdown = process.argv.includes("--markdown");
  for (const { name, code } of entries) {
    const { minified, gzipped } = await measure(code);
    console.log(
      markdown
        ? `| \`${name}\` | ${(minified / 1024).toFixed(1)} KB | ${
          (gzipped / 1024).toFixed(1)
        } KB |`
        : `${name}: ${format(minified)} minified, ${
          format(gzipped)
        } minified+gzipped`,
    );
  }
}
