// Hibernation: an object whose only activity is open watch sockets is
// evicted from memory by workerd while the sockets stay open; a change
// wakes it (its constructor runs again, reloading entries and versions)
// and the hibernated sockets still receive the change, in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { start } from "./_miniflare.ts";

// workerd evicts an idle object that holds only hibernatable sockets after
// some seconds of inactivity; this waits long enough for that.
const IDLE_MS = Number(process.env.WARDEN_IDLE_MS ?? 30_000);

test(
  "watch over hibernatable sockets: an evicted object wakes for a change and its watchers see it",
  { timeout: 180_000 },
  async () => {
    const worker = await start();
    try {
      const starts = async () =>
        (await (await worker.mf.dispatchFetch("http://localhost/live/starts"))
          .json()) as number;
      await worker.get("/live/set?key=sleepy&value=1");
      const response = await worker.mf.dispatchFetch(
        "http://localhost/live/watch?token=let-me-in&key=%22sleepy%22",
        { headers: { upgrade: "websocket" } },
      );
      const ws = response.webSocket!;
      const frames: string[] = [];
      ws.addEventListener("message", (e) => frames.push(String(e.data)));
      ws.accept();
      const before = await starts();
      await sleep(IDLE_MS); // nothing touches the object meanwhile
      await worker.get("/live/set?key=sleepy&value=2");
      await worker.get("/live/set?key=sleepy&value=3");
      assert.ok(
        (await starts()) > before,
        `workerd did not evict the idle object within ${IDLE_MS} ms (raise WARDEN_IDLE_MS)`,
      );
      for (let i = 0; i < 100 && frames.length < 3; i++) await sleep(50);
      assert.deepEqual(frames, [
        '{"t":"value","v":1,"value":1}',
        '{"t":"change","v":2,"value":2}',
        '{"t":"change","v":3,"value":3}',
      ]);
      ws.close(1000, "done");
    } finally {
      await worker.mf.dispose();
    }
  },
);
