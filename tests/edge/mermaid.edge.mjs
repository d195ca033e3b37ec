// toMermaid()'s output renders: the built package draws two machines (the
// README's connection protocol, and one whose names need aliases and
// escapes), and the real `mermaid` package renders each in headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core). The SVG must hold
// every state and every edge label; nothing is fetched from the network.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { launchChromium } from "./_chromium.mjs";
import { toMermaid } from "../../dist/mod.js";
import { ensureTool } from "../../scripts/tools.mjs";

// The real mermaid package (tools/mermaid/, installed on first use): only
// its browser bundle is loaded, into the page.
const mermaidScript = join(
  ensureTool("mermaid"),
  "mermaid",
  "dist",
  "mermaid.min.js",
);

const canSend = (ctx) => ctx.requests < 3;
const machines = {
  connection: {
    config: {
      initial: "idle",
      context: { requests: 0 },
      states: {
        idle: {
          on: {
            send: { target: "inflight", guard: canSend },
            close: "closing",
          },
        },
        inflight: {
          on: { done: "idle", close: "closing" },
          after: { 30000: "closing" },
        },
        closing: {},
      },
    },
    states: ["idle", "inflight", "closing"],
    edges: [
      "send [canSend]",
      "close",
      "done",
      "close",
      "after 30000 ms",
    ],
  },
  awkward: {
    config: {
      initial: "waiting room",
      states: {
        "waiting room": {
          on: { "call;next": { target: "end", guard: () => true } },
        },
        end: { on: { "re:open": "waiting room" } },
      },
    },
    states: ["waiting room", "end"],
    edges: ["call;next [guarded]", "re:open"],
  },
};

test("toMermaid(): mermaid renders every state and edge in Chromium", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error));
    await page.setContent("<!doctype html><html><body></body></html>");
    await page.addScriptTag({ path: mermaidScript });
    for (const [name, expected] of Object.entries(machines)) {
      const source = toMermaid(expected.config);
      const drawn = await page.evaluate(async ({ name, source }) => {
        const { mermaid } = globalThis;
        mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
        const { svg } = await mermaid.render(`diagram-${name}`, source);
        const host = document.createElement("div");
        host.innerHTML = svg;
        document.body.append(host);
        const texts = (selector) =>
          [...host.querySelectorAll(selector)].map((e) => e.textContent.trim())
            .filter((t) => t !== "");
        return {
          states: texts("g.node"),
          edges: texts("g.edgeLabel"),
        };
      }, { name, source });
      assert.deepEqual(
        [...drawn.states].sort(),
        [...expected.states].sort(),
        `${name}: every state is drawn (drawn: ${drawn.states.join(" | ")})`,
      );
      assert.deepEqual(
        [...drawn.edges].sort(),
        [...expected.edges].sort(),
        `${name}: every edge label is drawn`,
      );
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
