// State survives a restart of the runtime: Durable Object storage persisted
// on disk, a new workerd process, the same folder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "./_miniflare.ts";

// A safety net, not a timing assertion: a broken owner could deadlock
// workerd (a gate that never opens) instead of failing.
const limit = { timeout: 120_000 };

test(
  "durableStore and durableMachine: state survives a restart of the runtime",
  limit,
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "warden-durable-"));
    try {
      const first = await start(dir);
      try {
        await first.get("/set?name=kept&key=b&value=2");
        await first.get("/set?name=kept&key=a&value=1");
        await first.get("/set?name=kept&key=gone&value=3");
        assert.deepEqual(
          await first.get("/update?name=kept&key=a&updater=add&by=9"),
          { value: 10 },
        );
        assert.deepEqual(await first.get("/delete?name=kept&key=gone"), {
          value: true,
        });
        await first.get("/set?name=kept4&shards=4&key=x&value=5");
        assert.deepEqual(
          await first.get("/machine/send?name=kept&event=send"),
          {
            value: "inflight",
          },
        );
      } finally {
        await first.mf.dispose();
      }

      const second = await start(dir);
      try {
        assert.deepEqual(await second.get("/get?name=kept&key=a"), {
          value: 10,
        });
        assert.deepEqual(await second.get("/has?name=kept&key=gone"), {
          value: false,
        });
        // Reloaded in storage key order.
        assert.deepEqual(await second.get("/entries?name=kept"), {
          value: [["a", 10], ["b", 2]],
        });
        assert.deepEqual(await second.get("/get?name=kept4&shards=4&key=x"), {
          value: 5,
        });
        assert.deepEqual(await second.get("/machine/snapshot?name=kept"), {
          value: { state: "inflight", context: { sent: 1 } },
        });
        // The restored machine still enforces its protocol.
        const { error } = await second.get(
          "/machine/send?name=kept&event=send",
        );
        assert.equal(error?.name, "TransitionError");
        assert.deepEqual(
          await second.get("/machine/send?name=kept&event=done"),
          {
            value: "idle",
          },
        );
      } finally {
        await second.mf.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  "without persistence on disk, a new runtime starts empty (the restart test's control)",
  limit,
  async () => {
    const first = await start();
    await first.get("/set?name=lost&key=a&value=1");
    await first.mf.dispose();
    const second = await start();
    try {
      assert.deepEqual(await second.get("/get?name=lost&key=a"), {
        value: null,
      });
    } finally {
      await second.mf.dispose();
    }
  },
);
