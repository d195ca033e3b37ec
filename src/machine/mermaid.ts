import { describe } from "../core/describe.ts";
import type { MachineConfig } from "./types.ts";

/** Options for {@linkcode toMermaid}. */
export interface ToMermaidOptions {
  /**
   * The direction the diagram flows in: top to bottom, left to right, and
   * their reverses.
   *
   * @default {"TB"}
   */
  direction?: "TB" | "LR" | "BT" | "RL";
}

/** Words Mermaid's state diagrams read as keywords, never as state ids. */
const RESERVED = new Set([
  "state",
  "note",
  "end",
  "direction",
  "class",
  "classDef",
  "style",
  "as",
]);
const PLAIN_ID = /^[A-Za-z][A-Za-z0-9_]*$/;
const DIRECTIONS = new Set(["TB", "LR", "BT", "RL"]);

/**
 * Renders a {@linkcode Machine}'s config as a Mermaid `stateDiagram-v2`,
 * the diagram language GitHub, GitLab and JSR render from a `mermaid` code
 * block: every state, the initial one (`[*] --> initial`), every event as
 * an edge labelled with its name, a guarded edge with the guard's function
 * name in brackets (`send [canSend]`, or `[guarded]` when the guard has no
 * name of its own), each state timeout as an edge labelled `after <ms> ms`,
 * and every final state (no events, no timeouts) with an edge to `[*]`.
 *
 * States and edges come in the config's own order, so the text is stable
 * and diffs well. A state whose name is not a plain identifier (or is a
 * Mermaid keyword) is declared with an alias, so any name draws.
 *
 * The diagram is drawn from the config alone: pass the same object you
 * give `new Machine()`.
 *
 * @param config A machine config, as given to `new Machine()`.
 * @param options The diagram's direction.
 * @returns The diagram's Mermaid source, one statement per line.
 *
 * @example
 * ```ts
 * import { toMermaid } from "@warden/core";
 * import assert from "node:assert/strict";
 *
 * const diagram = toMermaid({
 *   initial: "idle",
 *   states: {
 *     idle: { on: { send: "inflight", close: "closed" } },
 *     inflight: { on: { done: "idle" }, after: { 5000: "closed" } },
 *     closed: {},
 *   },
 * });
 * assert.equal(
 *   diagram,
 *   [
 *     "stateDiagram-v2",
 *     "  [*] --> idle",
 *     "  idle --> inflight: send",
 *     "  idle --> closed: close",
 *     "  inflight --> idle: done",
 *     "  inflight --> closed: after 5000 ms",
 *     "  closed --> [*]",
 *   ].join("\n"),
 * );
 * ```
 */
export function toMermaid<S extends string, E extends string, Ctx>(
  config: MachineConfig<S, E, Ctx>,
  options: ToMermaidOptions = {},
): string {
  const action = "draw a machine";
  if (typeof config !== "object" || config === null) {
    throw new TypeError(
      `Cannot ${action}: config must be an object, received ${
        describe(config)
      }`,
    );
  }
  const states: Record<string, unknown> = config.states;
  if (typeof states !== "object" || states === null) {
    throw new TypeError(
      `Cannot ${action}: config.states must be an object, received ${
        describe(states)
      }`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: options must be an object, received ${
        describe(options)
      }`,
    );
  }
  const { direction = "TB" } = options;
  if (!DIRECTIONS.has(direction)) {
    throw new TypeError(
      `Cannot ${action}: direction must be "TB", "LR", "BT" or "RL", received ${
        describe(direction)
      }`,
    );
  }
  const names = Object.keys(states);
  if (!Object.hasOwn(states, config.initial)) {
    throw new RangeError(
      `Cannot ${action}: initial must name a state, received ${
        describe(config.initial)
      }`,
    );
  }

  const lines = ["stateDiagram-v2"];
  if (direction !== "TB") lines.push(`  direction ${direction}`);
  const ids = new Map<string, string>();
  for (const [index, name] of names.entries()) {
    if (PLAIN_ID.test(name) && !RESERVED.has(name)) {
      ids.set(name, name);
    } else {
      const id = `s${index}`;
      ids.set(name, id);
      lines.push(`  state "${label(name)}" as ${id}`);
    }
  }
  const idOf = (name: string, from: string): string => {
    const id = ids.get(name);
    if (id === undefined) {
      throw new RangeError(
        `Cannot ${action}: state "${from}" targets a state that does not exist, received ${
          describe(name)
        }`,
      );
    }
    return id;
  };

  lines.push(`  [*] --> ${ids.get(config.initial)}`);
  for (const name of names) {
    const state = states[name];
    if (typeof state !== "object" || state === null) {
      throw new TypeError(
        `Cannot ${action}: state "${name}" must be an object, received ${
          describe(state)
        }`,
      );
    }
    const { on = {}, after = {} } = state as {
      on?: Record<string, unknown>;
      after?: Record<string, unknown>;
    };
    const from = ids.get(name)!;
    let edges = 0;
    for (const [event, entry] of Object.entries(on)) {
      if (entry === undefined) continue;
      edges++;
      if (typeof entry === "string") {
        lines.push(`  ${from} --> ${idOf(entry, name)}: ${label(event)}`);
        continue;
      }
      const { target, guard } = entry as { target: string; guard?: unknown };
      const guarded = typeof guard === "function"
        ? ` [${
          guard.name === "" || guard.name === "guard"
            ? "guarded"
            : label(guard.name)
        }]`
        : "";
      lines.push(
        `  ${from} --> ${idOf(target, name)}: ${label(event)}${guarded}`,
      );
    }
    for (const [ms, target] of Object.entries(after)) {
      edges++;
      lines.push(
        `  ${from} --> ${idOf(String(target), name)}: after ${ms} ms`,
      );
    }
    if (edges === 0) lines.push(`  ${from} --> [*]`);
  }
  return lines.join("\n");
}

/**
 * A name as Mermaid label text: the characters that end or break a
 * statement (`;`, `#`, `"`, `:` and line breaks) become Mermaid's numeric
 * entity codes (`#59;`), which it renders as the character itself.
 */
function label(text: string): string {
  return text.replace(/[;#":\r\n]/g, (c) => `#${c.charCodeAt(0)};`);
}
