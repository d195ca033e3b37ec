// The objects the tests host; the client side imports only their types.
import { restateMachine, restateStore } from "../../../src/restate/mod.ts";

export const Counters = restateStore<string, number>()("counters", {
  updaters: {
    add: (current, by: number) => {
      if (typeof by !== "number") {
        throw new TypeError(
          `Cannot add: by must be a number, received ${typeof by}`,
        );
      }
      return (current ?? 0) + by;
    },
    fail: (): number => {
      throw new RangeError("Cannot fail: on purpose");
    },
    // Waits for the test to open a latch (env LATCH): parallelism, no timing.
    wait: async (current): Promise<number> => {
      await fetch(`${process.env.LATCH}/wait`);
      return (current ?? 0) + 1;
    },
  },
});

/** A door that shuts itself: `after` timers. */
export const Door = restateMachine("door", {
  initial: "locked",
  context: { opened: 0, closed: 0 },
  states: {
    locked: { on: { unlock: "shut" } },
    shut: {
      entry: (context: { opened: number; closed: number }) =>
        void context.closed++,
      on: { open: "open", lock: "locked", ajar: "ajar" },
    },
    open: {
      entry: (context: { opened: number; closed: number }) =>
        void context.opened++,
      on: { shut: "shut" },
      after: { 1500: "shut" },
    },
    ajar: { on: { shut: "shut" }, after: { 1000: "shut" } },
  },
});
