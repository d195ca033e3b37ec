// new Machine() with a config whose `states` is not an object throws a
// TypeError naming the call and the part of the config that is wrong
// ("Cannot create Machine: config.states ..."), as every other config check
// does (tests/machine_config_checks.test.ts): a user reading the message
// learns which call and which key to fix, not a runtime's own wording.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "../mod.ts";

const MachineJS = Machine as unknown as new (config: unknown) => Machine<
  string,
  string
>;

for (
  const [states, received] of [
    [null, "null"],
    [undefined, "undefined"],
    [5, "5"],
    ["idle", '"idle"'],
  ] as const
) {
  test(`new Machine() with config.states ${received} throws a TypeError naming new Machine() and config.states`, () => {
    assert.throws(() => new MachineJS({ initial: "idle", states }), {
      name: "TypeError",
      message:
        `Cannot create Machine: config.states must be an object of states, received ${received}`,
    });
  });
}
