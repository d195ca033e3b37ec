// Debian's headless Chromium (/usr/bin/chromium, or CHROMIUM_PATH) through
// playwright-core, with every background connection turned off: this
// machine has no network, and the tests must reach nothing off it.
import { chromium } from "playwright-core";

/** Launches headless Chromium; the caller closes it. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
