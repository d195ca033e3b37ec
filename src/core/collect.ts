import type { Command } from "./command.ts";
import { OWNED_ARRAY, OWNED_PAIRS } from "./command.ts";
import { describe } from "./describe.ts";
import { isPromiseLike } from "./is_promise_like.ts";

/**
 * Takes a streamed reply's snapshot in the owner's turn: an owned
 * array as it is, any other iterable copied, an async iterable read to its
 * end (or until the reader goes).
 *
 * @internal
 */
export function collect(
  command: Command,
  result: unknown,
): unknown[] | Promise<unknown[]> {
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then((value) => collect(command, value));
  }
  if (
    (command.kind === OWNED_ARRAY || command.kind === OWNED_PAIRS) &&
    Array.isArray(result)
  ) return result;
  if (typeof result === "string") {
    throw new TypeError(
      `Cannot stream "${command.op}": the handler returned a string, which would stream its characters; return an iterable of values (e.g. [text]), received ${
        describe(result)
      }`,
    );
  }
  if (result !== null && result !== undefined) {
    const candidate = result as Partial<
      Iterable<unknown> & AsyncIterable<unknown>
    >;
    if (typeof candidate[Symbol.iterator] === "function") {
      return Array.from(candidate as Iterable<unknown>);
    }
    if (typeof candidate[Symbol.asyncIterator] === "function") {
      return collectAsync(command, candidate as AsyncIterable<unknown>);
    }
  }
  throw new TypeError(
    `Cannot stream "${command.op}": the handler must return an iterable or an async iterable, received ${
      describe(result)
    }`,
  );
}

async function collectAsync(
  command: Command,
  iterable: AsyncIterable<unknown>,
): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) {
    if (command.settled) break; // the reader is gone: stop producing
    items.push(item);
  }
  return items;
}
