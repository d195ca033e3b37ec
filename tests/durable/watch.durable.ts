// Live watches over hibernatable WebSockets on real workerd (miniflare):
// the client's stream (the same code a Worker's storeClient and a browser's
// watchUrl use), through the authorized Worker route to the object.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { OverflowError } from "../../mod.ts";
import { WatchGapError } from "../../src/durable/mod.ts";
import { watchOver } from "../../src/durable/watch_client.ts";
import { start } from "./_miniflare.ts";

const limit = { timeout: 120_000 };

let worker: Awaited<ReturnType<typeof start>>;
before(async () => {
  worker = await start();
});
after(async () => {
  await worker.mf.dispose();
});

/** A raw socket through the route (what a browser's WebSocket gets). */
async function socket(key: string, extra = ""): Promise<WebSocket> {
  const response = await worker.mf.dispatchFetch(
    `http://localhost/live/watch?token=let-me-in&key=${
      encodeURIComponent(JSON.stringify(key))
    }${extra}`,
    { headers: { upgrade: "websocket" } },
  );
  const ws = response.webSocket;
  assert.ok(ws, `no socket: status ${response.status}`);
  ws.accept();
  return ws as unknown as WebSocket;
}

function watch(key: string, buffer = 1024): ReadableStream<number | undefined> {
  return watchOver<number | undefined>(
    (since) => socket(key, since === undefined ? "" : `&since=${since}`),
    { buffer, retries: 5, signal: undefined },
  );
}

async function take<T>(stream: ReadableStream<T>, n: number): Promise<T[]> {
  const reader = stream.getReader();
  const seen: T[] = [];
  while (seen.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    seen.push(value as T);
  }
  reader.releaseLock();
  return seen;
}

async function sockets(): Promise<number> {
  return (await worker.get("/live/sockets")) as unknown as number;
}

async function untilSockets(n: number, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await sockets() === n) return;
    await sleep(50);
  }
  assert.fail(
    `${what}: the object still holds ${await sockets()} sockets, expected ${n}`,
  );
}

test(
  "StoreClient.watch in a Worker: the current value, then every change, over the object's WebSocket",
  limit,
  async () => {
    await worker.get("/live/set?key=inworker&value=1");
    const seen = worker.get("/live/watch-in-worker?key=inworker&n=4");
    await untilSockets(1, "the Worker's watch never connected");
    for (const value of [2, 3, 4]) {
      await worker.get(`/live/set?key=inworker&value=${value}`);
    }
    assert.deepEqual(await seen, { value: [1, 2, 3, 4] });
    await untilSockets(0, "cancelling in the Worker did not close the socket");
  },
);

test(
  "watch over the network: 100 watchers of one key each see the current value then every change in order",
  limit,
  async () => {
    const watchers = Array.from({ length: 100 }, () => watch("hundred"));
    const firsts = await Promise.all(watchers.map((w) => take(w, 1)));
    assert.deepEqual(firsts, Array.from({ length: 100 }, () => [undefined]));
    const CHANGES = 50;
    for (let i = 1; i <= CHANGES; i++) {
      await worker.get(`/live/set?key=hundred&value=${i}`);
    }
    const expected = Array.from({ length: CHANGES }, (_, i) => i + 1);
    const all = await Promise.all(watchers.map((w) => take(w, CHANGES)));
    for (const [i, seen] of all.entries()) {
      assert.deepEqual(seen, expected, `watcher ${i}`);
    }
    await Promise.all(watchers.map((w) => w.cancel()));
    await untilSockets(0, "cancelling the streams did not close the sockets");
  },
);

test(
  "watch over the network: a slow watcher gets OverflowError on its stream, never a silent gap",
  limit,
  async () => {
    const slow = watch("slow", 4);
    const fast = watch("slow");
    assert.deepEqual(await take(fast, 1), [undefined]);
    for (let i = 1; i <= 10; i++) {
      await worker.get(`/live/set?key=slow&value=${i}`);
    }
    assert.deepEqual(await take(fast, 10), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const reader = slow.getReader();
    let error: unknown;
    for (let i = 0; i < 200 && error === undefined; i++) {
      // The slow reader reads nothing until its frames have all arrived.
      await sleep(i === 0 ? 200 : 50);
      error = await reader.read().then(() => undefined, (e) => e);
      if (error === undefined) {
        assert.fail("the slow watcher read a value instead of OverflowError");
      }
    }
    assert.ok(error instanceof OverflowError, String(error));
    assert.equal(error.limit, 4);
    await fast.cancel();
    await untilSockets(0, "an overflowed watch did not close its socket");
  },
);

test(
  "watch over the network: the object closing the socket (1000) ends the stream",
  limit,
  async () => {
    const stream = watch("ended");
    assert.deepEqual(await take(stream, 1), [undefined]);
    await worker.get("/live/close?code=1000");
    const reader = stream.getReader();
    assert.deepEqual(await reader.read(), { done: true, value: undefined });
  },
);

test(
  "watch over the network: a dropped socket resumes: nothing missed continues, one missed change is delivered, more is a WatchGapError with the value now",
  limit,
  async () => {
    // The network under the test's control: drop() cuts the socket as a
    // lost connection looks to the client (close 1006), and reconnecting
    // waits until the test lets it.
    let current: WebSocket | undefined;
    let release = () => {};
    let gate = Promise.resolve();
    const drop = () => {
      gate = new Promise((resolve) => (release = resolve));
      const ws = current!;
      ws.dispatchEvent(
        Object.assign(new Event("close"), { code: 1006, reason: "" }),
      );
      ws.close(1000, "cut");
    };
    await worker.get("/live/set?key=drop&value=1");
    const stream = watchOver<number | undefined>(async (since) => {
      await gate;
      current = await socket(
        "drop",
        since === undefined ? "" : `&since=${since}`,
      );
      return current;
    }, { buffer: 16, retries: 5, signal: undefined });
    assert.deepEqual(await take(stream, 1), [1]);

    drop(); // nothing changes meanwhile: it resumes silently
    release();
    await untilSockets(1, "the watch did not reconnect");
    await worker.get("/live/set?key=drop&value=2");
    assert.deepEqual(await take(stream, 1), [2]);

    drop(); // one change meanwhile: that change is the value now
    await untilSockets(0, "the cut socket stayed open");
    await worker.get("/live/set?key=drop&value=3");
    release();
    assert.deepEqual(await take(stream, 1), [3]);
    await worker.get("/live/set?key=drop&value=4");
    assert.deepEqual(await take(stream, 1), [4]);

    drop(); // three changes meanwhile: the gap is said, not hidden
    await untilSockets(0, "the cut socket stayed open");
    for (const value of [5, 6, 7]) {
      await worker.get(`/live/set?key=drop&value=${value}`);
    }
    release();
    const error = await stream.getReader().read().then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof WatchGapError, String(error));
    assert.equal(error.missed, 2);
    assert.equal(error.version, 7);
    assert.equal(error.value, 7);
    await untilSockets(0, "a watch that errored kept its socket");
  },
);

test(
  "watch route: an unauthorized socket is refused with 403; a bad key with 400",
  limit,
  async () => {
    const refused = await worker.mf.dispatchFetch(
      `http://localhost/live/watch?token=nope&key=${encodeURIComponent('"a"')}`,
      { headers: { upgrade: "websocket" } },
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.webSocket, null);
    assert.equal(await refused.text(), "Cannot watch: not authorized");
    const bad = await worker.mf.dispatchFetch(
      "http://localhost/live/watch?token=let-me-in&key=not-json",
      { headers: { upgrade: "websocket" } },
    );
    assert.equal(bad.status, 400);
    await bad.text();
    assert.equal(await sockets(), 0);
  },
);
