import type { CommandOptions } from "../core/command.ts";
import { describe } from "../core/describe.ts";
import { mergeCommandOptions } from "../core/with.ts";
import type { IngressTarget } from "./ingress.ts";

/**
 * Per-command options of the Restate clients' `with()`: warden's
 * `CommandOptions` and an idempotency key. Every command carries a key
 * (a fresh UUID unless given): the client retries transport failures with
 * it, and a caller that retries after a lost reply passes the same key so
 * that the command runs once. Restate scopes a key to one object and
 * handler; the first call's reply answers every retry.
 *
 * @example
 * ```ts
 * import type { RestateCommandOptions } from "@warden/core/restate";
 *
 * const options: RestateCommandOptions = { timeout: 5_000, idempotencyKey: "order-17" };
 * console.log(options.idempotencyKey);
 * ```
 */
export interface RestateCommandOptions extends CommandOptions {
  /** The idempotency key of every command sent through the handle. */
  idempotencyKey?: string;
}

/** Validates the options shared by both clients. @internal */
export function targetOf(
  ingress: string,
  options: { headers?: Record<string, string>; fetch?: typeof fetch },
  action: string,
): IngressTarget {
  if (typeof ingress !== "string" || !/^https?:\/\//.test(ingress)) {
    throw new TypeError(
      `Cannot create ${action}: ingress must be an http(s) URL, received ${
        describe(ingress)
      }`,
    );
  }
  return {
    url: ingress.replace(/\/+$/, ""),
    headers: { ...options.headers },
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };
}

/** Merges `with()` options. @internal */
export function mergeRestateOptions(
  base: RestateCommandOptions,
  next: RestateCommandOptions,
  action: string,
): RestateCommandOptions {
  const merged: RestateCommandOptions = mergeCommandOptions(base, next, action);
  const key = next.idempotencyKey ?? base.idempotencyKey;
  if (key !== undefined) {
    if (typeof key !== "string" || key === "") {
      throw new TypeError(
        `Cannot call ${action}: idempotencyKey must be a non-empty string, received ${
          describe(key)
        }`,
      );
    }
    merged.idempotencyKey = key;
  }
  return merged;
}
