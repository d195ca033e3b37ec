// Bad options for new Machine() and Machine.with() throw a TypeError whose
// message names the call that was wrong, as the Owner and Store ones do
// (tests/misuse.test.ts); the machine is unharmed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../mod.ts";

type Untyped = (...args: unknown[]) => unknown;

const config = {
  initial: "off",
  states: { off: { on: { flip: "on" } }, on: { on: { flip: "off" } } },
} as const;

test("new Machine() with options that are not an object throws a TypeError naming new Machine()", () => {
  const MachineJS = Machine as unknown as new (...args: unknown[]) => unknown;
  for (const options of [null, 5, "fast"]) {
    assert.throws(() => new MachineJS(config, options), {
      name: "TypeError",
      message: /^Cannot create Machine: options must be an object, received /,
    });
  }
  assert.throws(() => new MachineJS(config, { watchBuffer: 0 }), {
    name: "RangeError",
    message:
      /^Cannot create Machine: watchBuffer must be a positive integer, received 0/,
  });
});

test("Machine.with() with bad options throws a TypeError naming Machine.with(); the machine still serves", async () => {
  const machine = new Machine(config);
  const withJS = (machine.with as unknown as Untyped).bind(machine);
  for (const options of [null, 5]) {
    assert.throws(() => withJS(options), {
      name: "TypeError",
      message:
        /^Cannot call Machine\.with\(\): options must be an object, received /,
    });
  }
  assert.throws(() => withJS({ timeout: -1 }), {
    name: "RangeError",
    message: /^Cannot call Machine\.with\(\): timeout must be a non-negative/,
  });
  assert.equal(await machine.send("flip"), "on");
  await machine.close();
});
