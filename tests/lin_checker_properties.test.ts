// The linearizability checker of tests/lin/ on random histories: a real
// sequential run of a Store or a Machine, each operation given a random
// interval around its point in that run (some without a response), is
// linearizable; changing one output to one no order could produce makes it
// not, and the smallest failing window ends at that output.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Machine, Store, TransitionError } from "../mod.ts";
import { check } from "./lin/checker.ts";
import type { Operation } from "./lin/history.ts";
import {
  type MachineInput,
  machineModel,
  type MachineOutput,
  type StoreInput,
  storeModel,
  type StoreOutput,
} from "./lin/models.ts";

type In = StoreInput<string, number>;
type Out = StoreOutput<number>;

const add = (current: number | undefined, by: number): number =>
  (current ?? 0) + by;
const store = storeModel<string, number>({ updaters: { add } });
const machine = machineModel({
  initial: "idle",
  states: {
    idle: { on: { send: "inflight", close: "closing" } },
    inflight: { on: { done: "idle", close: "closing" } },
    closing: {},
  },
});

const KEYS = ["a", "b", "c"];
const storeInput: fc.Arbitrary<In> = fc.oneof(
  fc.record({ op: fc.constant("get" as const), key: fc.constantFrom(...KEYS) }),
  fc.record({
    op: fc.constant("set" as const),
    key: fc.constantFrom(...KEYS),
    value: fc.integer({ min: 0, max: 9 }),
  }),
  fc.record({
    op: fc.constant("delete" as const),
    key: fc.constantFrom(...KEYS),
  }),
  fc.record({ op: fc.constant("has" as const), key: fc.constantFrom(...KEYS) }),
  fc.record({
    op: fc.constant("update" as const),
    key: fc.constantFrom(...KEYS),
    updater: fc.constant("add"),
    args: fc.tuple(fc.integer({ min: 1, max: 3 })),
  }),
  fc.record({ op: fc.constant("size" as const) }),
);

/** Runs `inputs` one at a time on a real Store: the outputs it gives. */
async function runStore(inputs: In[]): Promise<Out[]> {
  const real = new Store<string, number>();
  const outputs: Out[] = [];
  for (const input of inputs) {
    switch (input.op) {
      case "get":
        outputs.push(await real.get(input.key));
        break;
      case "set":
        outputs.push(await real.set(input.key, input.value));
        break;
      case "delete":
        outputs.push(await real.delete(input.key));
        break;
      case "has":
        outputs.push(await real.has(input.key));
        break;
      case "update": {
        const by = input.args[0] as number;
        outputs.push(await real.update(input.key, (v) => add(v, by)));
        break;
      }
      case "size":
        outputs.push(await real.size());
        break;
      case "clear":
        outputs.push(await real.clear());
        break;
    }
  }
  return outputs;
}

interface Shape {
  /** How far each interval reaches before and after its point (×10). */
  spread: [number, number][];
  /** Which operations lose their response. */
  pending: boolean[];
}
const shape = (n: number): fc.Arbitrary<Shape> =>
  fc.record({
    spread: fc.array(fc.tuple(fc.nat(25), fc.nat(25)), {
      minLength: n,
      maxLength: n,
    }),
    pending: fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((a) =>
      a.map((p, i) => p && i % 4 === 0)
    ),
  });

/** Operation i at point 10·i, its interval stretched by `s`. */
function build<I, O>(inputs: I[], outputs: O[], s: Shape): Operation<I, O>[] {
  return inputs.map((input, i) => {
    const [before, after] = s.spread[i]!;
    const invocation = 10 * i - before;
    if (s.pending[i]) {
      return { client: i, input, invocation, response: Infinity };
    }
    return {
      client: i,
      input,
      output: outputs[i],
      invocation,
      response: 10 * i + after,
    };
  });
}

const storeCase = fc.array(storeInput, { minLength: 1, maxLength: 40 }).chain((
  inputs,
) => fc.tuple(fc.constant(inputs), shape(inputs.length), fc.nat()));

test("property: overlapping intervals around a real Store run are linearizable; a read of a value never written is not", async () => {
  await fc.assert(
    fc.asyncProperty(storeCase, async ([inputs, s, pick]) => {
      const outputs = await runStore(inputs);
      const history = build(inputs, outputs, s);
      assert.equal(check(store, history).ok, true);
      // Mutate one answered read into an impossible answer: values are
      // 0..9 plus at most 40 × 3 from adds, sizes at most 3.
      const answered = history.filter((o) =>
        o.response !== Infinity &&
        (o.input.op === "get" || o.input.op === "size")
      );
      if (answered.length === 0) return;
      const victim = answered[pick % answered.length]!;
      victim.output = victim.input.op === "size" ? 4 : 1_000;
      const result = check(store, history);
      assert.equal(result.ok, false);
      assert.equal(result.window?.last, victim);
    }),
    { numRuns: 300 },
  );
});

const EVENTS = ["send", "done", "close"];
type LampState = "idle" | "inflight" | "closing";
const machineCase = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant("send" as const),
      event: fc.constantFrom(...EVENTS),
    }),
    fc.record({ op: fc.constant("state" as const) }),
  ),
  { minLength: 1, maxLength: 30 },
).chain((inputs) =>
  fc.tuple(fc.constant(inputs), shape(inputs.length), fc.nat())
);

test("property: overlapping intervals around a real Machine run are linearizable; a state() that never was is not", async () => {
  // Without "close", "closing" is never reached: a state() reading it is
  // impossible whatever the order.
  await fc.assert(
    fc.asyncProperty(machineCase, async ([inputs, s, pick]) => {
      const real = new Machine({
        initial: "idle",
        states: {
          idle: { on: { send: "inflight", close: "closing" } },
          inflight: { on: { done: "idle", close: "closing" } },
          closing: {},
        },
      });
      const outputs: MachineOutput<LampState>[] = [];
      for (const input of inputs) {
        if (input.op === "state") outputs.push(await real.state());
        else {
          outputs.push(
            await real.send(input.event as "send").catch((e: unknown) => {
              assert.ok(e instanceof TransitionError);
              return { error: "TransitionError" as const };
            }),
          );
        }
      }
      const history = build<MachineInput<string>, MachineOutput<string>>(
        inputs,
        outputs,
        s,
      );
      assert.equal(check(machine, history).ok, true);
      if (inputs.some((i) => i.op === "send" && i.event === "close")) return;
      const reads = history.filter((o) =>
        o.response !== Infinity && o.input.op === "state"
      );
      if (reads.length === 0) return;
      const victim = reads[pick % reads.length]!;
      victim.output = "closing";
      const result = check(machine, history);
      assert.equal(result.ok, false);
      assert.equal(result.window?.last, victim);
    }),
    { numRuns: 300 },
  );
});
