// Calling an owner class without `new` names the class as the user knows
// it, in the bundled package too: esbuild renames a class whose body refers
// to itself (`var Owner = class _Owner`), and the runtime's TypeError then
// says "_Owner". The test bundles mod.ts as scripts/build.mjs does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

test("Owner, Store and Machine called without new throw a TypeError naming the class, bundled too", async () => {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["mod.ts"],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].text;
  for (const name of ["Owner", "Store", "Machine"]) {
    assert.doesNotMatch(code, new RegExp(`class _${name}\\b`));
  }
  const dir = mkdtempSync(join(tmpdir(), "warden-names-"));
  try {
    const file = join(dir, "mod.mjs");
    writeFileSync(file, code);
    const bundled = await import(pathToFileURL(file).href);
    const sources = [bundled, await import("../mod.ts")];
    for (const mod of sources) {
      for (const name of ["Owner", "Store", "Machine"]) {
        const Class = mod[name] as (...args: unknown[]) => unknown;
        assert.throws(() => Class({}, {}), (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.doesNotMatch(error.message, new RegExp(`_${name}`));
          // V8 (Node, Deno) names the class; JavaScriptCore (Bun) names none.
          if (!/without \|new\|/.test(error.message)) {
            assert.match(error.message, new RegExp(`\\b${name}\\b`));
          }
          return true;
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
