// Vercel edge-runtime: the built package bundled with the app into one
// classic script (IIFE), evaluated in @edge-runtime/vm's EdgeVM, served over
// loopback HTTP by edge-runtime's runServer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { EdgeVM } from "@edge-runtime/vm";
import { build } from "esbuild";
import { runServer } from "edge-runtime";
import { runChecks } from "./_checks.mjs";

/** dist/mod.js + tests/edge/fixtures/edge_function.mjs as one IIFE. */
async function iife() {
  const result = await build({
    entryPoints: [
      fileURLToPath(new URL("./fixtures/edge_function.mjs", import.meta.url)),
    ],
    bundle: true,
    format: "iife",
    globalName: "edgeFunction",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

test("the edge VM runs the built module's Store, Owner and Machine across requests", async () => {
  const runtime = new EdgeVM({ initialCode: await iife() });
  assert.equal(typeof runtime.evaluate("EdgeRuntime"), "string");
  const server = await runServer({ runtime, host: "127.0.0.1", port: 0 });
  try {
    await runChecks(async (path) => {
      const response = await fetch(new URL(path, server.url));
      assert.equal(response.status, 200);
      return await response.json();
    });
  } finally {
    await server.close();
  }
});
