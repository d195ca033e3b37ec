// Owner.ask() hands an idle owner's handler up to two arguments as
// parameters and builds an arguments array only for more, for a busy owner,
// or for an asynchronous handler. Every path must deliver the same
// arguments, in order, with `arguments.length` intact.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { deferred } from "./_helpers.ts";

const handlers = {
  seen: (_: unknown, ...args: unknown[]) => args,
  async seenLater(_: unknown, ...args: unknown[]) {
    await Promise.resolve();
    return args;
  },
};

const cases: unknown[][] = [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4, 5]];

test("Owner.ask() passes 0, 1, 2 and more arguments to a sync handler on an idle owner", async () => {
  const owner = new Owner({}, handlers);
  for (const args of cases) {
    assert.deepEqual(await owner.ask("seen", ...args), args);
  }
  // An explicit undefined is an argument, not a missing one.
  assert.deepEqual(await owner.ask("seen", undefined), [undefined]);
  assert.deepEqual(await owner.ask("seen", undefined, undefined), [
    undefined,
    undefined,
  ]);
  await owner.close();
});

test("Owner.ask() passes the same arguments to an async handler and on a busy owner", async () => {
  const gate = deferred();
  const owner = new Owner({}, {
    ...handlers,
    hold: () => gate.promise,
  });
  for (const args of cases) {
    assert.deepEqual(await owner.ask("seenLater", ...args), args);
  }
  const held = owner.ask("hold");
  const queued = cases.map((args) => owner.ask("seen", ...args));
  const blanks = [owner.ask("seen", undefined), owner.ask("seenLater")];
  gate.resolve();
  await held;
  assert.deepEqual(await Promise.all(queued), cases);
  assert.deepEqual(await Promise.all(blanks), [[undefined], []]);
  await owner.close();
});

test("Owner.ask() with a handler that throws on an idle owner rejects and leaves the owner idle", async () => {
  const owner = new Owner({ n: 0 }, {
    boom: (_, a: number, b: number) => {
      throw new RangeError(`boom ${a} ${b}`);
    },
    inc: (s) => ++s.n,
  });
  await assert.rejects(owner.ask("boom", 1, 2), {
    name: "RangeError",
    message: "boom 1 2",
  });
  // Idle again: the next command runs inside the call.
  let ran = false;
  const next = owner.ask("inc").then((n) => (ran = true, n));
  assert.equal(await next, 1);
  assert.equal(ran, true);
  await owner.close();
});
