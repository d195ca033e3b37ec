// The wire format between a client and a hosted owner: one POST per batch
// of commands, JSON both ways. Internal to @warden/core/durable.
export {
  fromWireError,
  toWireError,
  type WireError,
} from "../remote/wire_error.ts";
import type { WireError } from "../remote/wire_error.ts";
import { describe } from "../core/describe.ts";

/** One command as it crosses the wire. */
export interface WireCommand {
  op: string;
  args: unknown[];
}

/** One command's outcome as it crosses the wire. */
export type WireResult =
  | { ok: true; value?: unknown }
  | { ok: false; error: WireError };

/** The content type of both bodies. */
export const CONTENT_TYPE = "application/json";

/** Parses and checks a request body: a list of commands. */
export function parseCommands(body: unknown): WireCommand[] {
  const commands = (body as { commands?: unknown } | null)?.commands;
  if (!Array.isArray(commands)) {
    throw new TypeError(
      `Cannot run commands: the body must be { commands: [...] }, received ${
        describe(body)
      }`,
    );
  }
  for (const command of commands) {
    if (
      typeof command !== "object" || command === null ||
      typeof command.op !== "string" || !Array.isArray(command.args)
    ) {
      throw new TypeError(
        `Cannot run commands: each must be { op: string, args: [] }, received ${
          describe(command)
        }`,
      );
    }
  }
  return commands as WireCommand[];
}
