// The names that pick a remote owner (a Durable Object's name, a Restate
// service and object key), checked the same way by both remote adapters.
import { describe } from "../core/describe.ts";

/**
 * `value` if it is a string; otherwise throws a `TypeError`
 * ("Cannot `action`: `what` must be a string, received ...").
 *
 * @internal
 */
export function stringName(
  value: unknown,
  what: string,
  action: string,
): string {
  if (typeof value !== "string") {
    throw new TypeError(
      `Cannot ${action}: ${what} must be a string, received ${describe(value)}`,
    );
  }
  return value;
}

/**
 * `value` if it is a string other than `""`; otherwise throws a
 * `TypeError` ("Cannot `action`: `what` must be a non-empty string,
 * received ...").
 *
 * @internal
 */
export function nonEmptyName(
  value: unknown,
  what: string,
  action: string,
): string {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(
      `Cannot ${action}: ${what} must be a non-empty string, received ${
        describe(value)
      }`,
    );
  }
  return value;
}
