import { describe } from "../core/describe.ts";

// The named updaters every remote store host declares (Durable Objects,
// Restate): a function cannot cross a wire, a name can.

/**
 * A named read-modify-write run inside the host, in the store's turn: the
 * stand-in for `Store.update(key, fn)`, whose function cannot cross the
 * wire. It may be async: no other command for its key runs until it
 * finishes and its result is saved.
 *
 * @typeParam V The value type.
 *
 * @example
 * ```ts
 * import type { Updater } from "@warden/core/durable";
 *
 * const add: Updater<number> = (current, by: number) => (current ?? 0) + by;
 * console.log(add(1, 2)); // 3
 * ```
 */
// deno-lint-ignore no-explicit-any
export type Updater<V> = (current: V | undefined, ...args: any[]) =>
  | V
  | Promise<V>;

/**
 * The arguments of an updater after the current value.
 *
 * @example
 * ```ts
 * import type { UpdaterArgs } from "@warden/core/durable";
 *
 * const args: UpdaterArgs<(current: number | undefined, by: number) => number> = [1];
 * console.log(args); // [1]
 * ```
 */
export type UpdaterArgs<F> = F extends
  (current: never, ...args: infer A) => unknown ? A : never;

/**
 * The refusal of a function (or any non-string) passed where a named
 * updater is expected: `where` names the engine, `declare` where the
 * updater should be declared instead.
 *
 * @internal
 */
export function functionUpdaterError(
  name: unknown,
  where: string,
  declare = "a named updater",
): TypeError {
  return new TypeError(
    `Cannot update: a ${
      typeof name === "function" ? "function" : "non-string"
    } cannot cross the wire to ${where}; declare ${declare} and pass its name, received ${
      describe(name)
    }`,
  );
}
