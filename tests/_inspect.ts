// The inspector that records what an owner reports, shared by the
// tests/inspect*.test.ts files and tests/stats.test.ts. Not a test file (no
// test() calls; the name keeps it out of every runtime's test glob, like
// tests/_helpers.ts).
import type { InspectEvent } from "../mod.ts";

/** An inspector and the events it has recorded, from {@linkcode recorder}. */
export interface Recorder {
  /** Every event so far, in the order the owner emitted them. */
  readonly events: InspectEvent[];
  /** The inspector to pass as an owner's `inspect` option. */
  readonly inspect: (event: InspectEvent) => void;
  /** `type:id` for each event, in order: the order under test. */
  trail(): string[];
  /** `type:id:op` for each event, in order. */
  trailWithOps(): string[];
}

/** An inspector that records every event it is given. */
export function recorder(): Recorder {
  const events: InspectEvent[] = [];
  return {
    events,
    inspect: (event) => {
      events.push(event);
    },
    trail: () => events.map((e) => `${e.type}:${e.id}`),
    trailWithOps: () => events.map((e) => `${e.type}:${e.id}:${e.op}`),
  };
}
