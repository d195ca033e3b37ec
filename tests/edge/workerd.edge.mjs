// Cloudflare workerd (through miniflare, loopback only, no cf.json): the
// built package in a Worker whose Store, Owner and Machine are created at
// module top level and hold their state across requests.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { runChecks } from "./_checks.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = (name) =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A Worker from tests/edge/fixtures; its imports (dist/) are followed. */
function worker(script, stderr = []) {
  return new Miniflare({
    cf: false,
    host: "127.0.0.1",
    compatibilityDate: "2026-04-01",
    modules: true,
    modulesRules: [{ type: "ESModule", include: ["**/*.js", "**/*.mjs"] }],
    modulesRoot: root,
    scriptPath: fixture(script),
    handleRuntimeStdio(out, err) {
      out.resume();
      err.setEncoding("utf8").on("data", (text) => stderr.push(text));
    },
  });
}

test("workerd refuses a WritableStream created in a Worker's global scope", async () => {
  const stderr = [];
  const mf = worker("global_stream_worker.mjs", stderr);
  try {
    await assert.rejects(mf.ready, { code: "ERR_RUNTIME_FAILURE" });
    assert.match(
      stderr.join(""),
      /Disallowed operation called within global scope/,
    );
  } finally {
    // dispose() rethrows the failed start.
    await mf.dispose().catch(() => {});
  }
});

test("workerd serves a top-level Store, Owner and Machine across requests", async () => {
  const mf = worker("worker.mjs");
  try {
    await mf.ready;
    await runChecks(async (path) => {
      const response = await mf.dispatchFetch(`http://localhost${path}`);
      assert.equal(response.status, 200);
      return await response.json();
    });
  } finally {
    await mf.dispose();
  }
});
