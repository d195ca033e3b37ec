// The checks every runtime row runs against tests/edge/fixtures/app.mjs.
// `get(path)` sends one request to the app and resolves its JSON body.
import assert from "node:assert/strict";

/**
 * Runs the seed example, concurrent read-modify-writes, an Owner and the
 * seed's connection Machine, each over several requests to one app instance.
 */
export async function runChecks(get) {
  // The seed: set 1=42, then read it back in another request.
  assert.deepEqual(await get("/store/set?key=1&value=42"), { value: null });
  assert.deepEqual(await get("/store/get?key=1"), { value: 42 });

  // 20 concurrent requests each update one key: no lost update.
  const hits = await Promise.all(
    Array.from({ length: 20 }, () => get("/store/hit?key=hits")),
  );
  assert.deepEqual(
    hits.map((body) => body.value).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  assert.deepEqual(await get("/store/get?key=hits"), { value: 20 });
  assert.deepEqual(await get("/store/view?key=1"), { value: 42 });
  assert.deepEqual(await get("/store/size"), { value: 2 });
  assert.deepEqual(await get("/store/entries"), {
    value: [["1", 42], ["hits", 20]],
  });

  // An Owner's state carries across requests.
  assert.deepEqual(await get("/owner/add?by=2"), { value: 2 });
  assert.deepEqual(await get("/owner/add?by=3"), { value: 5 });

  // The Machine refuses a transition its table does not allow, and keeps
  // its state across requests.
  assert.deepEqual(await get("/machine/state"), { value: "idle" });
  assert.deepEqual(await get("/machine/send?event=send"), {
    value: "inflight",
  });
  const refused = await get("/machine/send?event=send");
  assert.equal(refused.error?.name, "TransitionError");
  assert.equal(refused.error.from, "inflight");
  assert.equal(refused.error.event, "send");
  assert.deepEqual(await get("/machine/state"), { value: "inflight" });
  assert.deepEqual(await get("/machine/send?event=done"), { value: "idle" });
  assert.deepEqual(await get("/machine/send?event=close"), {
    value: "closing",
  });
}
