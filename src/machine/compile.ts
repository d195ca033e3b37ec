import { describe } from "../core/describe.ts";

// The config compiler: checks a machine's config from plain JS and turns
// each state into a `Node`, the table the runtime (core.ts) walks; and the
// default copy of the context (`structuredClone`), with its check.

/** An `entry`, `exit` or transition `action`: may mutate the draft context. @internal */
export type Effect = (context: unknown, payload: unknown) => unknown;
/** A transition's `guard`: truthy lets the event through. @internal */
export type Guard = (context: unknown, payload: unknown) => unknown;

/** One compiled transition. @internal */
export interface Edge {
  readonly target: string;
  readonly guard: Guard | undefined;
  readonly action: Effect | undefined;
}

/** One compiled state. @internal */
export interface Node {
  readonly on: Map<string, Edge>;
  readonly entry: Effect | undefined;
  readonly exit: Effect | undefined;
  readonly after: readonly (readonly [ms: number, target: string])[];
  readonly final: boolean;
}

/** The action every config error names. @internal */
export const ACTION = "create Machine";
const STATE_KEYS = new Set(["on", "entry", "exit", "after"]);

export function cloneStructured(context: unknown): unknown {
  return structuredClone(context);
}

/**
 * The first object in `original` whose copy has another prototype (a class
 * instance that `structuredClone` turned into a plain object), if any.
 */
export function lostPrototype(
  original: unknown,
  copy: unknown,
  seen: Set<object>,
): { value: unknown } | undefined {
  if (typeof original !== "object" || original === null) return undefined;
  if (seen.has(original)) return undefined;
  seen.add(original);
  const proto = Object.getPrototypeOf(original);
  if (proto !== Object.getPrototypeOf(copy)) return { value: original };
  let pairs: [unknown, unknown][] = [];
  if (original instanceof Map) {
    const a = [...original];
    const b = [...(copy as Map<unknown, unknown>)];
    a.forEach(([k, v], i) => pairs.push([k, b[i][0]], [v, b[i][1]]));
  } else if (original instanceof Set) {
    const b = [...(copy as Set<unknown>)];
    pairs = [...original].map((v, i) => [v, b[i]]);
  } else if (Array.isArray(original) || proto === Object.prototype) {
    // (A null-prototype object never gets here: its copy is a plain object,
    // so it was named above.) Other built-ins that structuredClone keeps
    // (Date, an Error, typed arrays) are not walked: their copies need not
    // have the same own keys.
    const target = copy as Record<string, unknown>;
    for (const key of Object.keys(original)) {
      pairs.push([(original as Record<string, unknown>)[key], target[key]]);
    }
  }
  for (const [a, b] of pairs) {
    const lost = lostPrototype(a, b, seen);
    if (lost !== undefined) return lost;
  }
  return undefined;
}

export function fail(
  Kind: TypeErrorConstructor | RangeErrorConstructor,
  message: string,
): never {
  throw new Kind(`Cannot ${ACTION}: ${message}`);
}

function optionalFunction(
  value: unknown,
  where: string,
): Effect | undefined {
  if (value === undefined || typeof value === "function") {
    return value as Effect | undefined;
  }
  return fail(
    TypeError,
    `${where} must be a function, received ${describe(value)}`,
  );
}

function targetOf(
  value: unknown,
  where: string,
  known: Set<string>,
  list: string,
): string {
  if (typeof value !== "string") {
    fail(
      TypeError,
      `${where} must be a state name, received ${describe(value)}`,
    );
  }
  if (!known.has(value)) {
    fail(
      RangeError,
      `${where} must name a state (known: ${list}), received ${
        describe(value)
      }`,
    );
  }
  return value;
}

/** Validates one state's config from plain JS and compiles it. */
export function toNode(
  name: string,
  config: unknown,
  known: Set<string>,
  list: string,
  events: Set<string>,
): Node {
  const where = `state "${name}"`;
  if (typeof config !== "object" || config === null) {
    fail(TypeError, `${where} must be an object, received ${describe(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!STATE_KEYS.has(key)) {
      fail(
        TypeError,
        `${where} has an unknown key (known: on, entry, exit, after), received ${
          describe(key)
        }`,
      );
    }
  }
  const { on, entry, exit, after } = config as Record<string, unknown>;
  const edges = new Map<string, Edge>();
  if (on !== undefined) {
    if (typeof on !== "object" || on === null) {
      fail(
        TypeError,
        `${where}: on must be an object of transitions, received ${
          describe(on)
        }`,
      );
    }
    const symbols = Object.getOwnPropertySymbols(on);
    if (symbols.length > 0) {
      fail(
        TypeError,
        `${where}: event names must be strings, received ${
          describe(symbols[0])
        }`,
      );
    }
    for (const [event, value] of Object.entries(on)) {
      if (value === undefined) continue;
      const at = `${where}, event "${event}"`;
      events.add(event);
      if (typeof value === "object" && value !== null) {
        const edge = value as Record<string, unknown>;
        edges.set(event, {
          target: targetOf(edge.target, `${at}: target`, known, list),
          guard: optionalFunction(edge.guard, `${at}: guard`),
          action: optionalFunction(edge.action, `${at}: action`),
        });
      } else {
        edges.set(event, {
          target: targetOf(value, at, known, list),
          guard: undefined,
          action: undefined,
        });
      }
    }
  }
  const timeouts: (readonly [number, string])[] = [];
  if (after !== undefined) {
    if (typeof after !== "object" || after === null) {
      fail(
        TypeError,
        `${where}: after must be an object { ms: target }, received ${
          describe(after)
        }`,
      );
    }
    for (const [key, value] of Object.entries(after)) {
      const ms = key.trim() === "" ? NaN : Number(key);
      if (!Number.isFinite(ms) || ms < 0) {
        fail(
          RangeError,
          `${where}: after keys must be non-negative numbers of milliseconds, received ${
            describe(key)
          }`,
        );
      }
      timeouts.push([
        ms,
        targetOf(value, `${where}, after ${key}`, known, list),
      ]);
    }
  }
  return {
    on: edges,
    entry: optionalFunction(entry, `${where}: entry`),
    exit: optionalFunction(exit, `${where}: exit`),
    after: timeouts,
    final: edges.size === 0 && timeouts.length === 0,
  };
}
