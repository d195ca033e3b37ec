// Browsers watch too: headless Chromium (Debian's /usr/bin/chromium through
// playwright-core) opens the example page served by the test Worker on
// workerd; the page watches a key through the authorized route; another
// client's change shows up on the page. A page without the token is refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { launchChromium } from "../edge/_chromium.mjs";
import { start } from "./_miniflare.ts";

const limit = { timeout: 120_000 };
let worker: Awaited<ReturnType<typeof start>>;
let browser: Browser;
let client: string;

before(async () => {
  worker = await start();
  const bundled = await build({
    entryPoints: [
      fileURLToPath(new URL("../../src/durable/mod.ts", import.meta.url)),
    ],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
  });
  client = bundled.outputFiles[0]!.text;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await worker?.mf.dispose();
});

async function open(token: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  // The page imports the package next to it; serve the bundle there.
  await page.route(
    "**/live/warden-durable.js",
    (route) => route.fulfill({ body: client, contentType: "text/javascript" }),
  );
  const base = await worker.mf.ready;
  await page.goto(new URL(`/live/page?token=${token}`, base).href);
  return { page, errors };
}

test(
  "watchUrl in Chromium: the page sees the value, then a change made by another client",
  limit,
  async () => {
    await worker.get("/live/set?key=hits&value=1");
    const { page, errors } = await open("let-me-in");
    try {
      await page.waitForFunction(
        () => (globalThis as { seen?: unknown[] }).seen?.length === 1,
        null,
        { timeout: 20_000 },
      );
      assert.equal(await page.textContent("#hits"), "1");
      await worker.get("/live/set?key=hits&value=2"); // another client
      await worker.get("/live/set?key=hits&value=3");
      await page.waitForFunction(
        () => (globalThis as { seen?: unknown[] }).seen?.length === 3,
        null,
        { timeout: 20_000 },
      );
      assert.deepEqual(
        await page.evaluate(() => (globalThis as { seen?: unknown[] }).seen),
        [1, 2, 3],
      );
      assert.equal(await page.textContent("#hits"), "3");
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  },
);

test(
  "watchUrl in Chromium: without the route's token the socket is refused and the stream errors",
  limit,
  async () => {
    const { page } = await open("wrong");
    try {
      await page.waitForFunction(
        () => (globalThis as { failure?: string }).failure !== undefined,
        null,
        { timeout: 30_000 },
      );
      const failure = await page.evaluate(() =>
        (globalThis as { failure?: string }).failure
      );
      assert.match(failure!, /Cannot watch/);
      assert.deepEqual(
        await page.evaluate(() => (globalThis as { seen?: unknown[] }).seen),
        [],
      );
    } finally {
      await page.close();
    }
  },
);
