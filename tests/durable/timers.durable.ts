// Durable state timeouts on real workerd (miniflare): the deadline is kept
// with the snapshot and run by the object's alarm, so it survives a restart
// of the runtime, fires once, and never for a state entry already left.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { start } from "./_miniflare.ts";
import { LIT_MS } from "./_lamp.ts";

const limit = { timeout: 120_000 };

interface Lamp {
  state: string;
  context: { entries: number; exits: number; litFor: number };
}

/** Polls the lamp until `done` holds; fails with the last snapshot. */
async function until(
  worker: Awaited<ReturnType<typeof start>>,
  name: string,
  done: (lamp: Lamp) => boolean,
  what: string,
): Promise<Lamp> {
  let last: Lamp | undefined;
  for (let i = 0; i < 200; i++) {
    last = (await worker.get(`/lamp/snapshot?name=${name}`)).value as Lamp;
    if (done(last)) return last;
    await sleep(100);
  }
  assert.fail(`${what}: still ${JSON.stringify(last)} after 20 s`);
}

test(
  "durableMachine: an after timer due while workerd was down fires once after restart",
  limit,
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "warden-timers-"));
    try {
      const first = await start(dir);
      try {
        assert.deepEqual(await first.get("/lamp/send?name=a&event=on"), {
          value: "lit",
        });
      } finally {
        await first.mf.dispose(); // the object's in-memory timers die here
      }
      await sleep(LIT_MS + 200); // the deadline passes while nothing runs
      const second = await start(dir);
      try {
        const lamp = await until(
          second,
          "a",
          (l) => l.state === "expired",
          "the restored timeout never fired",
        );
        assert.equal(lamp.context.exits, 1);
        assert.ok(
          lamp.context.litFor >= LIT_MS,
          `lit for ${lamp.context.litFor} ms`,
        );
        // Another alarm cycle and another restart: it does not fire again.
        await sleep(300);
        assert.equal(
          (await until(second, "a", () => true, "")).context.exits,
          1,
        );
      } finally {
        await second.mf.dispose();
      }
      const third = await start(dir);
      try {
        const lamp = await until(third, "a", () => true, "");
        assert.equal(lamp.state, "expired");
        assert.equal(lamp.context.exits, 1);
      } finally {
        await third.mf.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  "durableMachine: a stale timer does nothing: a state left and entered again times out a full timeout after its new entry",
  limit,
  async () => {
    const worker = await start();
    try {
      assert.equal(
        (await worker.get("/lamp/send?name=b&event=on")).value,
        "lit",
      );
      await sleep(LIT_MS / 2);
      assert.equal(
        (await worker.get("/lamp/send?name=b&event=off")).value,
        "off",
      );
      assert.equal(
        (await worker.get("/lamp/send?name=b&event=on")).value,
        "lit",
      );
      // The first entry's deadline passes meanwhile; only the second one's
      // may move the lamp, so it was lit at least LIT_MS when it expired.
      const lamp = await until(
        worker,
        "b",
        (l) => l.state === "expired",
        "the new entry's timeout never fired",
      );
      assert.equal(lamp.context.exits, 2); // the "off", then one timeout
      assert.ok(
        lamp.context.litFor >= LIT_MS,
        `expired ${lamp.context.litFor} ms after its entry: an old timer fired`,
      );
      // Left before its deadline: the alarm is disarmed, nothing fires.
      assert.equal(
        (await worker.get("/lamp/send?name=c&event=on")).value,
        "lit",
      );
      assert.equal(
        (await worker.get("/lamp/send?name=c&event=off")).value,
        "off",
      );
      await sleep(LIT_MS + 300);
      const left = await until(worker, "c", () => true, "");
      assert.equal(left.state, "off");
      assert.equal(left.context.exits, 1);
    } finally {
      await worker.mf.dispose();
    }
  },
);
