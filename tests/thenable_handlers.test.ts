// A handler that returns a thenable that is not a native Promise holds the
// owner until it settles, exactly like an async function; a handler that
// returns a plain value leaves the owner idle at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Owner } from "../mod.ts";
import { flushMicrotasks } from "./_helpers.ts";

test("Owner: a handler returning a non-native thenable holds the owner until it settles; the next command waits", async () => {
  const log: string[] = [];
  let settle!: (value: string) => void;
  const owner = new Owner(log, {
    later: (s) => ({
      then(resolve: (value: string) => void) {
        settle = (value) => {
          s.push("later done");
          resolve(value);
        };
      },
    }),
    run: (s) => s.push("run"),
  });
  const later = owner.ask("later");
  const run = owner.ask("run");
  await flushMicrotasks();
  assert.deepEqual(log, []); // run waits behind the pending thenable
  settle("value");
  assert.equal(await later, "value");
  assert.equal(await run, 2);
  assert.deepEqual(log, ["later done", "run"]);
  await owner.close();
});

test("Owner: after a synchronous handler on an idle owner, the next command also runs at once, inside its call", async () => {
  const log: string[] = [];
  const owner = new Owner(log, { run: (s, name: string) => s.push(name) });
  const first = owner.ask("run", "a");
  assert.deepEqual(log, ["a"]);
  const second = owner.ask("run", "b");
  assert.deepEqual(log, ["a", "b"]); // ran before ask() returned
  assert.deepEqual(await Promise.all([first, second]), [1, 2]);
  await owner.close();
});
