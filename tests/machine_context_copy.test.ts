// A Machine's context is copied with structuredClone (a failed transition
// rolls back to the copy). structuredClone turns a class instance into a
// plain object without a word, so new Machine() looks through the whole
// context, Map keys and values, Set members, arrays and plain objects, and
// refuses one that would lose a prototype, naming the instance.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../mod.ts";

class Socket {
  open = true;
}
class Key {
  id = 1;
}
class Member {
  n = 2;
}
class Item {
  x = 3;
}
class Deep {
  d = 4;
}

function machineOf(context: unknown): Machine<never> {
  return new Machine({
    initial: "a",
    context,
    states: { a: { on: { go: "a" } } },
  } as never);
}

const refused = (name: string) => ({
  name: "TypeError",
  message: new RegExp(
    `config\\.context must be copyable by structuredClone.*received an instance of ${name}$`,
  ),
});

test("new Machine() refuses a class instance in a Map value, a Map key, a Set, an array and a nested object", () => {
  assert.throws(
    () => machineOf({ sockets: new Map([["a", new Socket()]]) }),
    refused("Socket"),
  );
  assert.throws(
    () => machineOf({ byKey: new Map([[new Key(), "v"]]) }),
    refused("Key"),
  );
  assert.throws(
    () => machineOf({ members: new Set([1, new Member()]) }),
    refused("Member"),
  );
  assert.throws(() => machineOf({ list: [1, 2, new Item()] }), refused("Item"));
  assert.throws(
    () => machineOf({ a: { b: { c: [{ d: new Deep() }] } } }),
    refused("Deep"),
  );
  // structuredClone gives a null-prototype object Object.prototype back.
  const bare = Object.create(null) as Record<string, unknown>;
  bare.n = 1;
  assert.throws(() => machineOf({ list: [bare] }), {
    name: "TypeError",
    message: /copyable by structuredClone.*received an object$/,
  });
});

test("new Machine() names the first instance that would lose its prototype, in order", () => {
  assert.throws(
    () =>
      machineOf({ first: [new Item()], second: new Map([["k", new Key()]]) }),
    refused("Item"),
  );
  assert.throws(
    () =>
      machineOf(
        new Map<unknown, unknown>([["k", new Key()], [
          "s",
          new Set([new Member()]),
        ]]),
      ),
    refused("Key"),
  );
});

test("new Machine() accepts what structuredClone copies faithfully: Maps, Sets, arrays, Dates, cycles", async () => {
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const context = {
    map: new Map<unknown, unknown>([["a", 1], [{ k: 1 }, new Set([2, 3])]]),
    set: new Set([1, { x: [1, 2] }]),
    list: [new Date(0), { y: 1 }],
    cyclic,
  };
  const m = machineOf(context);
  const snap = await m.snapshot();
  const copy = snap.context as unknown as typeof context;
  assert.ok(copy.map instanceof Map);
  assert.ok(copy.set instanceof Set);
  assert.ok(copy.list[0] instanceof Date);
  assert.equal(copy.cyclic.self, copy.cyclic);
  await m.close();
});

test("new Machine() with config.clone skips the check: the clone decides what a copy is", async () => {
  const socket = new Socket();
  const m = new Machine({
    initial: "a",
    context: { socket, list: [new Item()] },
    clone: (c) => ({ ...c }),
    states: { a: { on: { go: "a" } } },
  });
  assert.equal((await m.snapshot()).context.socket, socket);
  await m.close();
});
