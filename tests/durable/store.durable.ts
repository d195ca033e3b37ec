// durableStore on real workerd (miniflare): what Durable Objects alone do
// not give. Run with `npm run test:durable`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { shardOf } from "../../src/durable/mod.ts";
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
  "a plain Durable Object loses an update when its request awaits fetch() (the input gate opens)",
  limit,
  async () => {
    // The gate answers only once both requests wait in it: both read 0 first.
    const [a, b] = await Promise.all([
      worker.mf.dispatchFetch("http://localhost/naive?n=2").then((r) =>
        r.json()
      ),
      worker.mf.dispatchFetch("http://localhost/naive?n=2").then((r) =>
        r.json()
      ),
    ]);
    assert.deepEqual([a, b], [1, 1]); // two increments, one survives
  },
);

test(
  "durableStore: 50 concurrent requests whose updater awaits fetch() lose no update",
  limit,
  async () => {
    const replies = await Promise.all(
      Array.from(
        { length: 50 },
        () => worker.get("/update?name=race&key=hits&updater=slowAdd&by=1"),
      ),
    );
    const values = replies.map((r) => r.value as number).sort((a, b) => a - b);
    assert.deepEqual(values, Array.from({ length: 50 }, (_, i) => i + 1));
    assert.deepEqual(await worker.get("/get?name=race&key=hits"), {
      value: 50,
    });
  },
);

test(
  "durableStore: one client's commands run in the order it sent them",
  limit,
  async () => {
    const { value } = await worker.get(
      "/append-burst?name=order&key=log&count=40",
    );
    assert.deepEqual(value, Array.from({ length: 40 }, (_, i) => i));
  },
);

test(
  "durableStore: get, set, has, delete, size, clear and entries on one object",
  limit,
  async () => {
    assert.deepEqual(await worker.get("/get?name=basic&key=a"), {
      value: null,
    });
    assert.deepEqual(await worker.get("/set?name=basic&key=a&value=1"), {
      value: null,
    });
    assert.deepEqual(await worker.get("/set?name=basic&key=b&value=2"), {
      value: null,
    });
    assert.deepEqual(
      await worker.get("/update?name=basic&key=b&updater=add&by=40"),
      { value: 42 },
    );
    assert.deepEqual(await worker.get("/get?name=basic&key=b"), { value: 42 });
    assert.deepEqual(await worker.get("/size?name=basic"), { value: 2 });
    assert.deepEqual(await worker.get("/entries?name=basic"), {
      value: [["a", 1], ["b", 42]],
    });
    assert.deepEqual(await worker.get("/delete?name=basic&key=a"), {
      value: true,
    });
    assert.deepEqual(await worker.get("/delete?name=basic&key=a"), {
      value: false,
    });
    assert.deepEqual(await worker.get("/clear?name=basic"), { value: null });
    assert.deepEqual(await worker.get("/size?name=basic"), { value: 0 });
  },
);

test(
  "durableStore: a change whose storage write fails is refused and the value stays as it was",
  limit,
  async () => {
    await worker.get("/set?name=fail&key=a&value=7");
    const { error } = await worker.get(
      "/update?name=fail&key=a&updater=unstorable",
    );
    assert.equal(error?.name, "DataCloneError");
    assert.deepEqual(await worker.get("/get?name=fail&key=a"), { value: 7 });
  },
);

test(
  "StoreClient.update() refuses a function: it cannot cross the wire",
  limit,
  async () => {
    const { error } = await worker.get("/update-fn?name=fn&key=a");
    assert.equal(error?.isTypeError, true);
    assert.match(
      String(error?.message),
      /^Cannot update: a function cannot cross the wire/,
    );
    assert.deepEqual(await worker.get("/has?name=fn&key=a"), { value: false });
  },
);

test(
  "durableStore: an unknown updater name is a TypeError naming the known ones",
  limit,
  async () => {
    const { error } = await worker.get("/update?name=u&key=a&updater=nope");
    assert.equal(error?.isTypeError, true);
    assert.equal(
      error?.message,
      'Cannot update: no updater named "nope" (known: add, slowAdd, append, push, unstorable)',
    );
    assert.deepEqual(await worker.get("/size?name=u"), { value: 0 });
  },
);

test(
  "storeClient({ shards: 4 }) spreads keys over four objects by shardOf; entries() visits them all",
  limit,
  async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `user:${i}`);
    await Promise.all(
      keys.map((key, i) =>
        worker.get(`/set?name=sh&shards=4&key=${key}&value=${i}`)
      ),
    );
    const expected = [0, 0, 0, 0];
    for (const key of keys) expected[shardOf(key, 4)]!++;
    assert.ok(
      expected.filter((n) => n > 0).length >= 2,
      "the keys hash to several shards",
    );
    // Each shard object, read on its own (objects are named `${name}#${i}/${shards}`).
    const sizes = [];
    for (let i = 0; i < 4; i++) {
      sizes.push(
        (await worker.get(`/size?name=${encodeURIComponent(`sh#${i}/4`)}`))
          .value,
      );
    }
    assert.deepEqual(sizes, expected);
    for (const key of keys.slice(0, 5)) {
      const { value } = await worker.get(
        `/shard-of?name=sh&shards=4&key=${key}`,
      );
      assert.equal(value, shardOf(key, 4));
    }
    assert.deepEqual(await worker.get("/size?name=sh&shards=4"), { value: 40 });
    const { value } = await worker.get("/entries?name=sh&shards=4");
    const all = (value as [string, number][]).sort((a, b) => a[1] - b[1]);
    assert.deepEqual(all, keys.map((key, i) => [key, i]));
  },
);

test("shardOf() is a stable FNV-1a of the key's JSON text", limit, () => {
  // FNV-1a 32 of the bytes `"a"`: pinned, so a change of hash is a test failure.
  assert.equal(shardOf("a", 2 ** 31), 0x61a1cfea % 2 ** 31);
  assert.equal(shardOf("a", 1), 0);
  assert.throws(() => shardOf("a", 0), RangeError);
  assert.throws(() => shardOf(undefined, 4), TypeError);
});
