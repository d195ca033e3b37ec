// The idle path of Store, Machine, and an Owner command with more than two
// arguments (the engine runs the owner's dispatcher at once, inside the
// call): a synchronous result settles inside the call; a thenable, native or
// not, holds the owner until it settles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type InspectEvent, Machine, Owner, Store } from "../mod.ts";
import { flushMicrotasks } from "./_helpers.ts";

test("Owner: a three-argument handler returning a non-native thenable on an idle owner holds it until it settles", async () => {
  const log: string[] = [];
  let settle!: (value: string) => void;
  const owner = new Owner(log, {
    later: (s, a: string, b: string, c: string) => ({
      then(resolve: (value: string) => void) {
        settle = (value) => {
          s.push("later done");
          resolve(`${value} ${a}${b}${c}`);
        };
      },
    }),
    run: (s) => s.push("run"),
  });
  const later = owner.ask("later", "x", "y", "z");
  const run = owner.ask("run");
  await flushMicrotasks();
  assert.deepEqual(log, [], "run waits behind the pending thenable");
  assert.equal(owner.stats().queued, 1);
  settle("value");
  assert.equal(await later, "value xyz");
  assert.equal(await run, 2);
  assert.deepEqual(log, ["later done", "run"]);
});

test("Store inspect: a synchronous update() on an idle store is accepted, started and settled inside the call", async () => {
  const events: InspectEvent[] = [];
  const store = new Store<string, number>([["a", 1]], {
    inspect: (e) => {
      events.push(e);
    },
  });
  const updated = store.update("a", (v = 0) => v + 1);
  assert.deepEqual(events.map((e) => e.type), [
    "accepted",
    "started",
    "settled",
  ]);
  assert.deepEqual(store.stats(), {
    queued: 0,
    waiting: 0,
    running: undefined,
    settled: 1,
    rejected: 0,
    refused: 0,
  });
  assert.equal(await updated, 2);
});

test("Machine: a send with no async action on an idle machine runs inside the call; the next one does too", async () => {
  const events: InspectEvent[] = [];
  const machine = new Machine({
    initial: "a",
    states: { a: { on: { go: "b" } }, b: { on: { go: "a" } } },
  }, {
    inspect: (e) => {
      events.push(e);
    },
  });
  const first = machine.send("go");
  const second = machine.send("go");
  // Both settled before either call was awaited: neither queued.
  assert.deepEqual(events.map((e) => `${e.type}:${e.id}`), [
    "accepted:1",
    "started:1",
    "transition:1",
    "settled:1",
    "accepted:2",
    "started:2",
    "transition:2",
    "settled:2",
  ]);
  assert.equal(await first, "b");
  assert.equal(await second, "a");
});
