// An inspected owner forgets each command at its last event: nothing it
// keeps for the events holds a finished command's arguments alive. Checked
// with a WeakRef and a full collection (tests/_helpers.ts `loadGc()`), on
// every runtime that offers one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { deferred, loadGc, nextMacrotask } from "./_helpers.ts";
import { recorder } from "./_inspect.ts";

/** Collects until `ref`'s target is gone, or gives up after ten tries. */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  const gc = await loadGc();
  assert.ok(gc !== undefined, "this runtime offers a full collection");
  for (let i = 0; i < 10 && ref.deref() !== undefined; i++) {
    await nextMacrotask(); // a WeakRef's target lives through its job
    gc();
  }
  return ref.deref() === undefined;
}

test("Owner inspect: a queued command's arguments are not kept once it settled", async () => {
  const { inspect, trail } = recorder();
  const gate = deferred();
  const owner = new Owner({}, {
    hold: () => gate.promise,
    size: (_, value: { bytes: Uint8Array }) => value.bytes.length,
  }, { inspect });
  const held = owner.ask("hold");
  let value: { bytes: Uint8Array } | undefined = {
    bytes: new Uint8Array(1 << 16),
  };
  const ref = new WeakRef(value);
  const size = owner.ask("size", value); // queued behind "hold"
  value = undefined;
  gate.resolve();
  await held;
  assert.equal(await size, 1 << 16);
  assert.ok(trail().includes("settled:2"));
  assert.ok(await collected(ref), "the arguments were collected");
  await owner.close();
});

test("Owner inspect: a queued command aborted before it ran keeps no arguments", async () => {
  const { inspect, trail } = recorder();
  const gate = deferred();
  const controller = new AbortController();
  const owner = new Owner({}, {
    hold: () => gate.promise,
    size: (_, value: { bytes: Uint8Array }) => value.bytes.length,
  }, { inspect });
  const held = owner.ask("hold");
  let value: { bytes: Uint8Array } | undefined = {
    bytes: new Uint8Array(1 << 16),
  };
  const ref = new WeakRef(value);
  const size = owner.with({ signal: controller.signal }).ask("size", value);
  value = undefined;
  controller.abort(new Error("left"));
  await assert.rejects(size, { message: "left" });
  assert.ok(trail().includes("aborted:2"));
  gate.resolve(); // the queue lets go of it once the owner passes it by
  await held;
  assert.ok(await collected(ref), "the arguments were collected");
  await owner.close();
});
