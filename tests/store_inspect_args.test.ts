// With `inspectValues`, an inspected Store's `accepted` events carry the
// arguments each method sent: none for entries(), size() and clear().
import { test } from "node:test";
import assert from "node:assert/strict";
import { type InspectEvent, Store } from "../mod.ts";
import { collect } from "./_helpers.ts";

test("Store inspectValues: entries(), size() and clear() are accepted with empty args, set() with its key and value", async () => {
  const events: InspectEvent[] = [];
  const store = new Store<string, number>([["a", 1]], {
    inspect: (event) => void events.push(event),
    inspectValues: true,
  });
  assert.deepEqual(await collect(store.entries()), [["a", 1]]);
  assert.equal(await store.size(), 1);
  await store.clear();
  await store.set("b", 2);
  await store.close();
  const accepted = events.flatMap((e) =>
    e.type === "accepted" ? [[e.op, e.args]] : []
  );
  assert.deepEqual(accepted, [
    ["entries", []],
    ["size", []],
    ["clear", []],
    ["set", ["b", 2]],
  ]);
});
