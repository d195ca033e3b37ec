import { Command, type ReplyKind, STREAM, VALUE } from "./command.ts";
import { describe } from "./describe.ts";
import { SnapshotSource } from "./snapshot_stream.ts";

const noop = (): void => {};

/**
 * A chunk written to an owner's public `writable`, read into a command: an
 * `Envelope` `{ op, args, reply, signal? }`. A chunk with no usable
 * reply is reported to `onError` (there is no one else to tell) and gives
 * `undefined`; one whose `op`, `args` or `signal` is wrong is rejected through
 * its own reply and gives `undefined` too. Throws what the chunk's getters
 * throw.
 *
 * @internal
 */
export function fromEnvelope(
  chunk: unknown,
  onError: (error: unknown) => void,
): Command | undefined {
  if (typeof chunk !== "object" || chunk === null) {
    onError(
      new TypeError(
        `Cannot run command: a chunk must be an object { op, args, reply }, received ${
          describe(chunk)
        }`,
      ),
    );
    return;
  }
  const { op, args = [], reply, signal } = chunk as Record<string, unknown>;
  const label = typeof op === "string" ? `"${op}"` : "command";
  let kind: ReplyKind;
  let resolve: (value: unknown) => void;
  let reject: (reason: unknown) => void;
  if (reply instanceof WritableStream) {
    const { source, readable } = SnapshotSource.stream<unknown>();
    readable.pipeTo(reply).catch(noop); // the reply's owner sees its own errors
    kind = STREAM;
    resolve = (items) => source.deliver(items as unknown[]);
    reject = (reason) => source.fail(reason);
  } else if (
    typeof reply === "object" && reply !== null &&
    typeof (reply as ValueReplyLike).resolve === "function" &&
    typeof (reply as ValueReplyLike).reject === "function"
  ) {
    const target = reply as ValueReplyLike;
    kind = VALUE;
    resolve = (value) => callSafely(onError, () => target.resolve(value));
    reject = (reason) => callSafely(onError, () => target.reject(reason));
  } else {
    onError(
      new TypeError(
        `Cannot run ${label}: reply must be { resolve, reject } or a WritableStream, received ${
          describe(reply)
        }`,
      ),
    );
    return;
  }
  let problem: string | undefined;
  if (typeof op !== "string") {
    problem = `op must be a string, received ${describe(op)}`;
  } else if (!Array.isArray(args)) {
    problem = `args must be an array, received ${describe(args)}`;
  } else if (signal !== undefined && !(signal instanceof AbortSignal)) {
    problem = `signal must be an AbortSignal, received ${describe(signal)}`;
  }
  const command = new Command(
    typeof op === "string" ? op : String(op),
    Array.isArray(args) ? args : [],
    kind,
    problem === undefined ? signal as AbortSignal | undefined : undefined,
    resolve,
    reject,
  );
  if (problem !== undefined) {
    command.reject(new TypeError(`Cannot run ${label}: ${problem}`));
    return;
  }
  return command;
}

function callSafely(onError: (error: unknown) => void, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    onError(error);
  }
}

interface ValueReplyLike {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}
