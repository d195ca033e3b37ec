// MachineClient.watch() on real workerd (miniflare): a hosted machine's
// transitions reach every watcher in order, once saved, over the object's
// hibernatable WebSockets; overflow, cancel and the object closing behave as
// a store's watch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { start } from "./_miniflare.ts";
import { LIT_MS } from "./_lamp.ts";

const limit = { timeout: 120_000 };

test(
  "MachineClient.watch in a Worker: every transition in order to each of three watchers, the alarm's timeout among them; cancelling closes the sockets",
  limit,
  async () => {
    const worker = await start();
    try {
      const transitions = [
        { from: "off", event: "on", to: "lit" },
        { from: "lit", event: "off", to: "off" },
        { from: "off", event: "on", to: "lit" },
        { from: "lit", event: `after:${LIT_MS}`, to: "expired" },
      ];
      assert.deepEqual(
        await worker.get("/lamp/watch-in-worker?name=w&watchers=3"),
        { value: [transitions, transitions, transitions] },
      );
    } finally {
      await worker.mf.dispose();
    }
  },
);

test(
  "MachineClient.watch in a Worker: a watcher more than its buffer behind gets OverflowError and its socket closes",
  limit,
  async () => {
    const worker = await start();
    try {
      assert.deepEqual(await worker.get("/lamp/watch-overflow?name=o"), {
        value: {
          fast: 6,
          error: { name: "OverflowError", isOverflow: true, limit: 1 },
        },
      });
    } finally {
      await worker.mf.dispose();
    }
  },
);

test(
  "MachineClient.watch in a Worker: the object closing the socket (1000) ends the stream",
  limit,
  async () => {
    const worker = await start();
    try {
      assert.deepEqual(await worker.get("/lamp/watch-closed?name=c"), {
        value: {
          first: [{ from: "off", event: "on", to: "lit" }],
          after: { done: true },
        },
      });
    } finally {
      await worker.mf.dispose();
    }
  },
);

test(
  "MachineClient.watch in a Worker: a dropped socket (1012) reconnects and resumes with the transition it missed",
  limit,
  async () => {
    const worker = await start();
    try {
      assert.deepEqual(await worker.get("/lamp/watch-dropped?name=d"), {
        value: [
          { from: "off", event: "on", to: "lit" },
          { from: "lit", event: "off", to: "off" },
        ],
      });
    } finally {
      await worker.mf.dispose();
    }
  },
);
