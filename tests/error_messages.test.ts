// Error messages say what happened and name the option at fault.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, OverflowError, Owner, Store } from "../mod.ts";
import { collect, deferred } from "./_helpers.ts";

test("Owner.ask() after abort() is refused with ClosedError saying the owner was aborted", async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => 1 });
  const running = owner.ask("block");
  const aborted = owner.abort(new Error("stop"));
  // Still stopping: the running handler has not finished.
  await assert.rejects(owner.ask("run"), (error: unknown) => {
    assert.ok(error instanceof ClosedError);
    assert.equal(
      error.message,
      'Cannot run "run": the owner was aborted',
    );
    assert.deepEqual(error.command, { op: "run", args: [] });
    return true;
  });
  gate.resolve();
  await running;
  await aborted;
  await assert.rejects(owner.ask("run"), {
    name: "ClosedError",
    message: 'Cannot run "run": the owner was aborted',
  });
});

test("Owner.ask() during close() still says the owner is closing, and closed after", async () => {
  const gate = deferred();
  const owner = new Owner({}, { block: () => gate.promise, run: () => 1 });
  const running = owner.ask("block");
  const closed = owner.close();
  await assert.rejects(owner.ask("run"), {
    name: "ClosedError",
    message: 'Cannot run "run": the owner is closing',
  });
  gate.resolve();
  await running;
  await closed;
  await assert.rejects(owner.ask("run"), {
    name: "ClosedError",
    message: 'Cannot run "run": the owner is closed',
  });
});

test("Owner options and with() options of the wrong type throw TypeError; out of range, RangeError", () => {
  const create = (options: Record<string, unknown>) => () =>
    new Owner({}, {}, options);
  for (
    const [option, value] of [
      ["highWaterMark", "8"],
      ["timeout", "5"],
      ["handlerTimeout", null],
    ] as const
  ) {
    assert.throws(create({ [option]: value }), {
      name: "TypeError",
      message: new RegExp(`^Cannot create Owner: ${option} must be a `),
    });
  }
  for (
    const [option, value] of [
      ["highWaterMark", 0],
      ["highWaterMark", 1.5],
      ["timeout", -1],
      ["handlerTimeout", Number.NaN],
    ] as const
  ) {
    assert.throws(create({ [option]: value }), {
      name: "RangeError",
      message: new RegExp(`^Cannot create Owner: ${option} must be a `),
    });
  }
  const owner = new Owner({}, {});
  assert.throws(() => owner.with({ timeout: "5" as unknown as number }), {
    name: "TypeError",
    message:
      'Cannot call Owner.with(): timeout must be a non-negative number of milliseconds, received "5"',
  });
  assert.throws(() => owner.with({ timeout: -5 }), {
    name: "RangeError",
    message:
      "Cannot call Owner.with(): timeout must be a non-negative number of milliseconds, received -5",
  });
  assert.throws(
    () => new Store([], { watchBuffer: "4" as unknown as number }),
    {
      name: "TypeError",
    },
  );
});

test("Store.watch() overflow names the watchBuffer option", async () => {
  const store = new Store<string, number>([], { watchBuffer: 2 });
  const changes = store.watch("k"); // never read until the end
  for (let i = 0; i < 5; i++) await store.set("k", i);
  await assert.rejects(collect(changes), (error: unknown) => {
    assert.ok(error instanceof OverflowError);
    assert.equal(error.limit, 2);
    assert.match(error.message, /watchBuffer/);
    return true;
  });
  await store.close();
});
