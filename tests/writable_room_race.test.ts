// A raw write that waited for room is accepted when it wakes, even if a
// command sent in the meantime took the freed slot: with overflow "reject"
// too, the writer was promised room, so its chunk waits its turn (beyond
// highWaterMark) instead of being refused with OverflowError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { deferred } from "./_helpers.ts";

test('Owner.writable with overflow "reject": a raw write woken for room is held, not refused, when a command takes the freed slot first', async () => {
  const gate = deferred();
  const ran: string[] = [];
  const owner = new Owner({}, {
    hold: () => gate.promise,
    run: (_, name: string) => {
      ran.push(name);
      return name;
    },
  }, { highWaterMark: 1, overflow: "reject" });
  const held = owner.ask("hold"); // runs
  const first = owner.ask("run", "first"); // the one slot
  // Sent as soon as "first" settles, before the woken raw write is read:
  // it takes the slot "first" freed.
  const cut = first.then(() => owner.ask("run", "cut"));
  const writer = owner.writable.getWriter();
  const raw = new Promise((resolve, reject) => {
    void writer.write({ op: "run", args: ["raw"], reply: { resolve, reject } });
  });
  gate.resolve();
  await held;
  assert.equal(await first, "first");
  assert.equal(await cut, "cut");
  assert.equal(await raw, "raw");
  assert.deepEqual(ran, ["first", "cut", "raw"]);
  assert.equal(owner.stats().refused, 0);
  writer.releaseLock();
  await owner.close();
});
