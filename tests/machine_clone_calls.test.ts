// config.clone: when a Machine calls it, and what it says when a copy fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../mod.ts";

// The message says which copier failed: the user's own config.clone, or
// structuredClone (the default). A user whose clone threw must be told it
// was their function, not pointed at structuredClone's limits.
test("new Machine() whose config.clone throws: a TypeError naming config.clone, whose cause is the clone's error", () => {
  const failure = new Error("cannot copy");
  let caught: unknown;
  try {
    new Machine({
      initial: "a",
      context: { n: 1 },
      clone: () => {
        throw failure;
      },
      states: { a: {} },
    });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TypeError);
  assert.match(
    caught.message,
    /^Cannot create Machine: config\.context must be copyable by config\.clone /,
  );
  assert.equal(caught.cause, failure);
});

test("new Machine() with a context structuredClone cannot copy: a TypeError naming structuredClone", () => {
  assert.throws(
    () =>
      new Machine({ initial: "a", context: { f: () => 1 }, states: { a: {} } }),
    {
      name: "TypeError",
      message:
        /^Cannot create Machine: config\.context must be copyable by structuredClone /,
    },
  );
});

// A clone may be costly or have effects of its own (logging, counting):
// it runs exactly when a copy is needed, never for an absent context.
for (const context of [undefined, { n: 0 }]) {
  test(
    `Machine calls config.clone once per copy: the initial context (${
      context === undefined ? "none" : "given"
    }), each snapshot, each transition with effects`,
    async () => {
      const copied: unknown[] = [];
      const m = new Machine({
        initial: "a",
        context,
        clone: (c: { n: number } | undefined) => {
          copied.push(c);
          return c === undefined ? undefined : { n: c.n };
        },
        states: {
          a: { on: { plain: "b" } },
          b: { on: { effect: { target: "a", action: () => {} } } },
        },
      });
      assert.deepEqual(copied, context === undefined ? [] : [{ n: 0 }]);
      copied.length = 0;
      assert.equal(await m.send("plain"), "b"); // no effects: no copy
      assert.deepEqual(copied, []);
      assert.equal(await m.send("effect"), "a"); // works on a copy
      assert.equal(copied.length, 1);
      assert.deepEqual(await m.snapshot(), { state: "a", context });
      assert.equal(copied.length, 2);
      await m.close();
    },
  );
}

// structuredClone drops class prototypes silently, so new Machine() refuses
// a context whose default copy lost one. A config.clone is the user's own
// definition of a copy: one that turns class instances into plain data (or
// into another class) is taken as it is, never refused.
test("new Machine() takes a config.clone whose copy has other prototypes than the context", async () => {
  class Point {
    constructor(public x: number, public y: number) {}
  }
  const m = new Machine({
    initial: "a",
    context: { at: new Point(1, 2) },
    clone: (c) => ({ at: { x: c.at.x, y: c.at.y } }),
    states: { a: { on: { move: { target: "a", action: (c) => c.at.x++ } } } },
  });
  assert.equal(await m.send("move"), "a");
  const { context } = await m.snapshot();
  assert.equal(Object.getPrototypeOf(context.at), Object.prototype);
  assert.deepEqual(context.at, { x: 2, y: 2 });
  await m.close();
});
