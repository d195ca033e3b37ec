import type { Browser } from "playwright-core";

/** Launches headless Chromium; the caller closes it. */
export function launchChromium(): Promise<Browser>;
