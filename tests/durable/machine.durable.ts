// durableMachine on real workerd (miniflare): the protocol holds across
// requests, even when a transition's effect awaits fetch().
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { start } from "./_miniflare.ts";

// A safety net, not a timing assertion: a broken owner could deadlock
// workerd (a gate that never opens) instead of failing.
const limit = { timeout: 120_000 };

let worker: Awaited<ReturnType<typeof start>>;
before(async () => {
  worker = await start();
});
after(async () => {
  await worker.mf.dispose();
});

test(
  "durableMachine: of 10 concurrent sends from idle, one moves it and nine are refused with TransitionError",
  limit,
  async () => {
    // The send's action awaits fetch(): the object's input gate opens there.
    const replies = await Promise.all(
      Array.from(
        { length: 10 },
        () => worker.get("/machine/send?name=race&event=send"),
      ),
    );
    const moved = replies.filter((r) => r.value === "inflight");
    const refused = replies.filter((r) => r.error?.name === "TransitionError");
    assert.equal(moved.length, 1);
    assert.equal(refused.length, 9);
    for (const { error } of refused) {
      assert.equal(error?.from, "inflight");
      assert.equal(error?.event, "send");
    }
    // The action ran once: the context counts one send.
    assert.deepEqual(await worker.get("/machine/snapshot?name=race"), {
      value: { state: "inflight", context: { sent: 1 } },
    });
  },
);

test(
  "durableMachine: refuses an illegal transition sent by a later request; nothing changes",
  limit,
  async () => {
    assert.deepEqual(await worker.get("/machine/send?name=seq&event=send"), {
      value: "inflight",
    });
    const { error } = await worker.get("/machine/send?name=seq&event=send");
    assert.equal(error?.name, "TransitionError");
    assert.equal(
      error?.message,
      'Cannot send "send" in state "inflight": no transition for this event',
    );
    assert.deepEqual(await worker.get("/machine/state?name=seq"), {
      value: "inflight",
    });
    assert.deepEqual(await worker.get("/machine/send?name=seq&event=done"), {
      value: "idle",
    });
    assert.deepEqual(await worker.get("/machine/send?name=seq&event=close"), {
      value: "closing",
    });
    const final = await worker.get("/machine/send?name=seq&event=done");
    assert.equal(final.error?.name, "TransitionError");
    assert.equal(final.error?.from, "closing");
  },
);

test("durableMachine: one object per name", limit, async () => {
  assert.deepEqual(await worker.get("/machine/send?name=one&event=send"), {
    value: "inflight",
  });
  assert.deepEqual(await worker.get("/machine/state?name=two"), {
    value: "idle",
  });
});
