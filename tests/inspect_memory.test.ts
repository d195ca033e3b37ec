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

/** An inspected owner held busy by "hold" until `release()`. */
function heldOwner() {
  const { inspect, trail } = recorder();
  const gate = deferred();
  const owner = new Owner({}, {
    hold: () => gate.promise,
    size: (_, value: Large) => value.bytes.length,
  }, { inspect });
  const held = owner.ask("hold");
  return { owner, trail, held, release: () => gate.resolve() };
}

interface Large {
  bytes: Uint8Array;
}

/** Sends a large value that only the command refers to once this returns. */
function sendLarge(
  send: (value: Large) => Promise<number>,
): { ref: WeakRef<Large>; reply: Promise<number> } {
  const value = { bytes: new Uint8Array(1 << 16) };
  return { ref: new WeakRef(value), reply: send(value) };
}

test("Owner inspect: a queued command's arguments are not kept once it settled", async () => {
  const { owner, trail, held, release } = heldOwner();
  const { ref, reply } = sendLarge((value) => owner.ask("size", value));
  release();
  await held;
  assert.equal(await reply, 1 << 16);
  assert.ok(trail().includes("settled:2"));
  assert.ok(await collected(ref), "the arguments were collected");
  await owner.close();
});

test("Owner inspect: a queued command aborted before it ran keeps no arguments", async () => {
  const { owner, trail, held, release } = heldOwner();
  const controller = new AbortController();
  const { ref, reply } = sendLarge((value) =>
    owner.with({ signal: controller.signal }).ask("size", value)
  );
  controller.abort(new Error("left"));
  await assert.rejects(reply, { message: "left" });
  assert.ok(trail().includes("aborted:2"));
  release(); // the queue lets go of it once the owner passes it by
  await held;
  assert.ok(await collected(ref), "the arguments were collected");
  await owner.close();
});
