// new Machine() checks its config as it builds it: every malformed part is
// a TypeError or RangeError that names the part and says what it got, never
// a runtime's own "cannot read properties of null". What the checks let
// through (an undefined transition, a 0 ms timeout) works as documented.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, TransitionError } from "../mod.ts";
import { flushMicrotasks, manualClock } from "./_helpers.ts";

const build = (states: unknown, context?: unknown) => () =>
  new Machine({ initial: "a", context, states } as never);

const says = (name: string, message: RegExp) => ({ name, message });

test("new Machine() refuses a null state, a null on, a null transition and a null after, naming each", () => {
  assert.throws(
    build({ a: null }),
    says(
      "TypeError",
      /^Cannot create Machine: state "a" must be an object, received null$/,
    ),
  );
  assert.throws(
    build({ a: { on: null } }),
    says(
      "TypeError",
      /state "a": on must be an object of transitions, received null$/,
    ),
  );
  assert.throws(
    build({ a: { on: { go: null } } }),
    says("TypeError", /state "a", event "go"/),
  );
  assert.throws(
    build({ a: { after: null } }),
    says(
      "TypeError",
      /state "a": after must be an object \{ ms: target \}, received null$/,
    ),
  );
});

test("new Machine() refuses an after key that is blank or negative, and accepts 0 ms", async () => {
  for (const key of ["", " ", "-1", "abc", "Infinity"]) {
    assert.throws(
      build({ a: { after: { [key]: "a" } } }),
      says(
        "RangeError",
        /after keys must be non-negative numbers of milliseconds/,
      ),
      `key ${JSON.stringify(key)}`,
    );
  }
  const clock = manualClock();
  const m = new Machine({
    initial: "a",
    states: { a: { after: { 0: "b" } }, b: {} },
  }, { clock });
  await flushMicrotasks(); // the initial state's entry arms its timer
  assert.equal(clock.pending(), 1);
  clock.advance(0);
  await flushMicrotasks();
  assert.equal(await m.state(), "b");
  await m.close();
});

test("new Machine() skips a transition given as undefined: the event is not known there", async () => {
  const m = new Machine({
    initial: "a",
    states: { a: { on: { go: "b", later: undefined } }, b: {} },
  });
  const refused = await m.send("later" as never).catch((e) => e);
  assert.ok(refused instanceof TransitionError);
  assert.match(refused.message, /unknown event \(known: go\)/);
  await m.close();
});

test("Machine: a state with only an after timeout is not final: an event there is refused as having no transition", async () => {
  const clock = manualClock();
  const m = new Machine({
    initial: "a",
    states: {
      a: { on: { go: "waiting" } },
      waiting: { after: { 1000: "a" } },
      done: {},
    },
  }, { clock });
  await m.send("go");
  const refused = await m.send("go").catch((e) => e);
  assert.ok(refused instanceof TransitionError);
  assert.doesNotMatch(refused.message, /final state/);
  assert.match(refused.message, /no transition for this event/);
  await m.close();
});

test("new Machine() accepts a context with null values (nothing to look through)", async () => {
  const m = new Machine({
    initial: "a",
    context: { a: null, list: [null, { b: null }] },
    states: { a: { on: { go: "a" } } },
  });
  assert.deepEqual((await m.snapshot()).context, {
    a: null,
    list: [null, { b: null }],
  });
  await m.close();
});
