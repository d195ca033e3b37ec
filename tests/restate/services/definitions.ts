// The objects the tests host; the client side imports only their types.
import { restateStore } from "../../../src/restate/mod.ts";

export const Counters = restateStore<string, number>()("counters", {
  updaters: {
    add: (current, by: number) => {
      if (typeof by !== "number") {
        throw new TypeError(`Cannot add: by must be a number, received ${typeof by}`);
      }
      return (current ?? 0) + by;
    },
    fail: (): number => {
      throw new RangeError("Cannot fail: on purpose");
    },
  },
});
export const Door = Counters;
