// Commands a host sends its own owner (alarms, watches) that a request's
// JSON cannot: they take this object, which no JSON can carry. Internal.

/** Proof that a command comes from the host itself, not from the wire. */
export const HOST: object = Object.freeze({});

/** Refuses a host-only command that came from a request. */
export function fromHost(op: string, key: unknown): void {
  if (key !== HOST) {
    throw new TypeError(
      `Cannot run "${op}": it is the host's own command, received it from a request`,
    );
  }
}
