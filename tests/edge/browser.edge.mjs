// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// a page loads the built package from a loopback server and runs the seed
// example in a <script type="module">; then the shared checks run in the page.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./_chromium.mjs";
import { runChecks } from "./_checks.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const served = ["/dist/", "/tests/edge/fixtures/"];
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json",
};

/** Serves dist/ and the fixtures from the repository, on 127.0.0.1. */
async function serve() {
  const server = createServer(async (request, response) => {
    const path = normalize(new URL(request.url, "http://127.0.0.1").pathname);
    if (!served.some((prefix) => path.startsWith(prefix))) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(root, path));
      response.writeHead(200, {
        "content-type": types[extname(path)] ?? "application/octet-stream",
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

test("Chromium runs the seed example and the shared checks with the built module", async () => {
  const server = await serve();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });

    await page.goto(`${server.url}/tests/edge/fixtures/page.html`);
    await page.waitForFunction(() => globalThis.seed !== undefined);
    assert.equal(await page.evaluate(() => globalThis.seed), 42);
    assert.equal(await page.textContent("#out"), "value: 42");

    await runChecks((path) =>
      page.evaluate(async (path) => {
        const { handle } = await import("/tests/edge/fixtures/app.mjs");
        const response = await handle(
          new Request(new URL(path, location.href)),
        );
        return await response.json();
      }, path)
    );
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
