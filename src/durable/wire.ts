// The wire format between a client and a hosted owner: one POST per batch
// of commands, JSON both ways. Internal to @warden/core/durable.
import { ClosedError, TimeoutError, TransitionError } from "../core/errors.ts";
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

/** An error as it crosses the wire: enough to rebuild warden's classes. */
export interface WireError {
  name: string;
  message: string;
  from?: string;
  event?: string;
  timeout?: number;
}

/** The content type of both bodies. */
export const CONTENT_TYPE = "application/json";

/** Turns a thrown value into its wire form. */
export function toWireError(error: unknown): WireError {
  if (error instanceof TransitionError) {
    return {
      name: error.name,
      message: error.message,
      from: error.from,
      event: error.event,
    };
  }
  if (error instanceof TimeoutError) {
    return { name: error.name, message: error.message, timeout: error.timeout };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message };
  }
  return { name: "Error", message: describe(error) };
}

/** Rebuilds an error on the client: warden's classes where they fit. */
export function fromWireError(wire: WireError): Error {
  switch (wire.name) {
    case "TransitionError":
      if (typeof wire.from === "string" && typeof wire.event === "string") {
        const error = new TransitionError(wire.from, wire.event);
        error.message = wire.message;
        return error;
      }
      break;
    case "TimeoutError":
      if (typeof wire.timeout === "number") {
        return new TimeoutError(wire.message, { timeout: wire.timeout });
      }
      break;
    case "ClosedError":
      return Object.assign(new ClosedError(), { message: wire.message });
    case "TypeError":
      return new TypeError(wire.message);
    case "RangeError":
      return new RangeError(wire.message);
  }
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

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
