// The fast path's compact frames (src/workers/wire.ts: LoneCall, LoneAnswer)
// from a raw client: a frame runs at once on an idle owner of any kind, its
// value comes back as [id, value] with nothing before it, and a hostile
// frame gets a typed failure while the owner keeps serving.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, Owner, Store } from "../mod.ts";
import { type Frame, serveToRawClient } from "./_workers.ts";

test("serve() runs a lone call frame on an idle Store at once and answers [id, value]", async () => {
  const store = new Store<string, number>([["a", 1]]);
  const { client, close } = await serveToRawClient(store);
  try {
    client.port.postMessage([1, "get", ["a"]]);
    assert.deepEqual(await client.next(), [1, 1]);
    client.port.postMessage([2, "set", ["b", 2]]);
    assert.deepEqual(await client.next(), [2, undefined]);
    assert.equal(await store.get("b"), 2);
    assert.equal(store.stats().settled, 3);
  } finally {
    await close();
  }
});

test("serve() runs a lone call frame on an idle Machine: the transition happens before the answer", async () => {
  const machine = new Machine({
    initial: "idle",
    states: { idle: { on: { go: "busy" } }, busy: {} },
  });
  const { client, close } = await serveToRawClient(machine);
  try {
    client.port.postMessage([1, "send", ["go"]]);
    const answer = await client.next();
    assert.ok(Array.isArray(answer));
    assert.equal(answer[0], 1);
    assert.equal(await machine.state(), "busy");
  } finally {
    await close();
  }
});

test("serve() answers a hostile frame (op not a string, args not an array) with a TypeError and keeps serving", async () => {
  const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n });
  const { client, close } = await serveToRawClient(owner);
  try {
    client.port.postMessage([1, 42, []]);
    const first = await client.next() as Frame | Frame[];
    const failed = (Array.isArray(first) ? first[0] : first) as Frame;
    assert.equal(failed.t, 11);
    assert.equal(failed.id, 1);
    assert.equal((failed.e as Frame).name, "TypeError");
    client.port.postMessage([2, "incr", "nope"]);
    const second = await client.next() as Frame | Frame[];
    const refused = (Array.isArray(second) ? second[0] : second) as Frame;
    assert.equal(refused.t, 11);
    assert.equal((refused.e as Frame).name, "TypeError");
    client.port.postMessage([3, "incr", []]);
    assert.deepEqual(await client.next(), [3, 1]);
    assert.equal(owner.stats().settled, 1);
  } finally {
    await close();
  }
});
