// Errors as they cross a wire between a client and a remote owner (Durable
// Objects, Restate): enough to rebuild warden's classes on the other side.
import { ClosedError, TimeoutError, TransitionError } from "../core/errors.ts";
import { describe } from "../core/describe.ts";

/** An error as it crosses the wire: enough to rebuild warden's classes. */
export interface WireError {
  name: string;
  message: string;
  from?: string;
  event?: string;
  timeout?: number;
}

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
