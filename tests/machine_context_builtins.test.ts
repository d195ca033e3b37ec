// new Machine() copies its context with structuredClone and names the first
// value whose copy lost its prototype. Built-ins that structuredClone keeps
// (an Error, even with fields of its own that the copy drops, a typed array,
// a Date) are taken as they are: their copies are not walked key by key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../mod.ts";

test("new Machine() takes a context holding an Error with extra fields, a typed array and a Date", async () => {
  const last = Object.assign(new Error("boom"), { detail: { code: 7 } });
  const machine = new Machine({
    initial: "idle",
    context: { last, bytes: new Uint8Array([1, 2]), when: new Date(0) },
    states: { idle: {} },
  });
  const { context } = await machine.snapshot();
  assert.ok(context.last instanceof Error);
  assert.equal(context.last.message, "boom");
  assert.notEqual(context.last, last); // a copy
  assert.deepEqual([...context.bytes], [1, 2]);
  assert.equal(context.when.getTime(), 0);
  await machine.close();
});

test("new Machine() still names a null-prototype object in its context", () => {
  const bare = Object.assign(Object.create(null), { n: 1 });
  assert.throws(
    () =>
      new Machine({
        initial: "idle",
        context: { nested: { bare } },
        states: { idle: {} },
      }),
    TypeError,
  );
});
