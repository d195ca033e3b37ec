// The service: a store of counters and a door machine, hosted as Restate
// virtual objects and served by the SDK's node endpoint (Node 22+).
// On Deno, Bun or workerd: `createEndpointHandler({ services: [...] })`
// from "@restatedev/restate-sdk/fetch" instead.
import * as restate from "@restatedev/restate-sdk";
import { restateMachine, restateStore } from "../../src/restate/mod.ts";

export const Counters = restateStore<string, number>()("counters", {
  updaters: {
    add(current, by: number) {
      if (!Number.isFinite(by)) {
        throw new TypeError(
          `Cannot add: by must be a finite number, received ${by}`,
        );
      }
      return (current ?? 0) + by;
    },
  },
});

export const Door = restateMachine("door", {
  initial: "shut",
  states: {
    shut: { on: { open: "open" } },
    // Shuts itself after 1 s: a durable timer, kept across crashes.
    open: { on: { shut: "shut" }, after: { 1000: "shut" } },
  },
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 9080);
  await restate.serve({ services: [Counters, Door], port });
  console.log(`listening ${port}`);
}
