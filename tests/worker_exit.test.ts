// On Deno, a node:worker_threads worker that used connect() exits once its
// client is closed, with the default transport. The fixture runs under
// `deno run` whatever runtime runs this test; its own exit and output are
// the assertion (it reports "stuck" and ends the worker after a bounded wait).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = fileURLToPath(
  new URL("../node_modules/.bin/deno", import.meta.url),
);

test("Deno: a node:worker_threads worker exits after client.close() with the default transport", async () => {
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      deno,
      ["run", "-A", "tests/fixtures/exit_main.ts"],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
  assert.deepEqual(output.trim().split("\n"), ["done 1", "exit 0"]);
});
