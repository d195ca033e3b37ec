import assert from "node:assert/strict";
import { test } from "node:test";
import { readFile } from "node:fs/promises";
import { type MachineConfig, toMermaid } from "../mod.ts";

test("toMermaid() draws the initial state, every event, every timeout and the final states, in config order", () => {
  const diagram = toMermaid({
    initial: "idle",
    context: { requests: 0 },
    states: {
      idle: { on: { send: "inflight", close: "closing" } },
      inflight: {
        on: { done: "idle", close: "closing" },
        after: { 30_000: "closing", 5: "idle" },
      },
      closing: {},
    },
  });
  assert.equal(
    diagram,
    [
      "stateDiagram-v2",
      "  [*] --> idle",
      "  idle --> inflight: send",
      "  idle --> closing: close",
      "  inflight --> idle: done",
      "  inflight --> closing: close",
      "  inflight --> idle: after 5 ms",
      "  inflight --> closing: after 30000 ms",
      "  closing --> [*]",
    ].join("\n"),
  );
});

test("toMermaid() labels a guarded edge with the guard's own name, or [guarded]", () => {
  function hasCredit(ctx: { credit: number }) {
    return ctx.credit > 0;
  }
  const diagram = toMermaid({
    initial: "a",
    context: { credit: 1 },
    states: {
      a: {
        on: {
          named: { target: "b", guard: hasCredit },
          inline: { target: "b", guard: (ctx) => ctx.credit > 1 },
          method: {
            target: "b",
            guard(ctx) {
              return ctx.credit > 2;
            },
          },
          plain: { target: "b", action: (ctx) => void ctx.credit-- },
        },
      },
      b: { on: { back: "a" } },
    },
  });
  assert.deepEqual(diagram.split("\n").slice(2, 6), [
    "  a --> b: named [hasCredit]",
    "  a --> b: inline [guarded]",
    "  a --> b: method [guarded]",
    "  a --> b: plain",
  ]);
});

test("toMermaid() aliases state names that are not plain identifiers or are Mermaid keywords, and escapes labels", () => {
  const diagram = toMermaid({
    initial: "waiting room",
    states: {
      "waiting room": { on: { "call;next": "end", 'say "hi"': "state" } },
      end: { on: { "re:open": "waiting room" } },
      state: { on: { "#1": "end" } },
    },
  });
  assert.equal(
    diagram,
    [
      "stateDiagram-v2",
      '  state "waiting room" as s0',
      '  state "end" as s1',
      '  state "state" as s2',
      "  [*] --> s0",
      "  s0 --> s1: call#59;next",
      "  s0 --> s2: say #34;hi#34;",
      "  s1 --> s0: re#58;open",
      "  s2 --> s1: #35;1",
    ].join("\n"),
  );
});

test("toMermaid() options.direction adds a direction statement; TB is the default and adds none", () => {
  const config = {
    initial: "on",
    states: { on: { on: { flip: "off" } }, off: { on: { flip: "on" } } },
  } satisfies MachineConfig<"on" | "off", "flip", undefined>;
  assert.equal(toMermaid(config).split("\n")[1], "  [*] --> on");
  assert.equal(
    toMermaid(config, { direction: "TB" }),
    toMermaid(config),
  );
  assert.equal(
    toMermaid(config, { direction: "LR" }).split("\n")[1],
    "  direction LR",
  );
});

test("toMermaid() refuses what is not a machine config with TypeError or RangeError naming the value", () => {
  const bad = (value: unknown) => value as MachineConfig<"a", never, undefined>;
  assert.throws(() => toMermaid(bad(null)), {
    name: "TypeError",
    message: "Cannot draw a machine: config must be an object, received null",
  });
  assert.throws(() => toMermaid(bad({ initial: "a" })), {
    name: "TypeError",
    message:
      "Cannot draw a machine: config.states must be an object, received undefined",
  });
  assert.throws(() => toMermaid(bad({ initial: "x", states: { a: {} } })), {
    name: "RangeError",
    message: 'Cannot draw a machine: initial must name a state, received "x"',
  });
  assert.throws(
    () => toMermaid(bad({ initial: "a", states: { a: { on: { go: "b" } } } })),
    {
      name: "RangeError",
      message:
        'Cannot draw a machine: state "a" targets a state that does not exist, received "b"',
    },
  );
  assert.throws(
    () =>
      toMermaid(bad({ initial: "a", states: { a: {} } }), {
        direction: bad("up") as never,
      }),
    {
      name: "TypeError",
      message: /direction must be "TB", "LR", "BT" or "RL", received "up"/,
    },
  );
  assert.throws(() => toMermaid(bad({ initial: "a", states: { a: 1 } })), {
    name: "TypeError",
    message: 'Cannot draw a machine: state "a" must be an object, received 1',
  });
});

test("toMermaid() skips an event entry that is undefined, and a state with only undefined entries is final", () => {
  const diagram = toMermaid({
    initial: "a",
    states: { a: { on: { go: undefined } } },
  } as MachineConfig<"a", "go", undefined>);
  assert.equal(diagram, "stateDiagram-v2\n  [*] --> a\n  a --> [*]");
});

test("toMermaid(): the README's connection diagram is what toMermaid() draws for the README's config", async () => {
  const readme = await readFile(
    new URL("../README.md", import.meta.url),
    "utf8",
  );
  const config = readme.match(/const conn = new Machine\((\{[\s\S]*?\n\})\);/);
  assert.ok(config, "the README's Machine example");
  const diagram = readme.match(/```mermaid\n(stateDiagram-v2\n[\s\S]*?)```/);
  assert.ok(diagram, "the README's state diagram");
  // The config is a plain object literal: evaluate it as one.
  const parsed = new Function(`return (${config[1]});`)() as Parameters<
    typeof toMermaid
  >[0];
  assert.equal(toMermaid(parsed) + "\n", diagram[1]);
});
