// The accepted event's `queued`: commands accepted and not started, this
// one included, counting those beyond highWaterMark (overflow "wait") too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { deferred } from "./_helpers.ts";
import { recorder } from "./_inspect.ts";

test('Owner inspect: accepted.queued counts the commands waiting beyond highWaterMark (overflow: "wait")', async () => {
  const { events, inspect } = recorder();
  const gate = deferred();
  const order: number[] = [];
  const owner = new Owner({}, {
    hold: () => gate.promise,
    run: (_, n: number) => {
      order.push(n);
      return n;
    },
  }, {
    highWaterMark: 1,
    inspect,
  });
  const held = owner.ask("hold"); // runs: counts against nothing
  const first = owner.ask("run", 1); // within highWaterMark
  const second = owner.ask("run", 2); // beyond it: waits
  const third = owner.ask("run", 3); // beyond it: waits behind the second
  const queued = events
    .filter((e) => e.type === "accepted")
    .map((e) => e.type === "accepted" && [e.id, e.queued]);
  assert.deepEqual(queued, [[1, 0], [2, 1], [3, 2], [4, 3]]);
  assert.equal(owner.stats().queued, 1);
  assert.equal(owner.stats().waiting, 2);
  gate.resolve();
  assert.deepEqual(await Promise.all([held, first, second, third]), [
    undefined,
    1,
    2,
    3,
  ]);
  assert.deepEqual(order, [1, 2, 3]);
  const started = events.filter((e) => e.type === "started").map((e) => e.id);
  assert.deepEqual(started, [1, 2, 3, 4]);
});
