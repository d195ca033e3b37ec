// The Machine tests/lin_workers.test.ts serves and tests/lin/worker.ts
// drives: its config is also the checker's model table.
import type { MachineTable } from "./models.ts";

/** Its states, in the order the shared log numbers them. */
export const LIN_STATES = ["idle", "inflight"] as const;
/** Its events, in the order the shared log numbers them. */
export const LIN_EVENTS = ["send", "done", "reset"] as const;
/** One of {@linkcode LIN_STATES}. */
export type LinState = (typeof LIN_STATES)[number];
/** One of {@linkcode LIN_EVENTS}. */
export type LinEvent = (typeof LIN_EVENTS)[number];

/** idle -send-> inflight -done-> idle; reset from either goes to idle. */
export const linMachine: MachineTable<LinState, LinEvent> = {
  initial: "idle",
  states: {
    idle: { on: { send: "inflight", reset: "idle" } },
    inflight: { on: { done: "idle", reset: "idle" } },
  },
};
