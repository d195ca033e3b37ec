import type { Envelope } from "../core/command.ts";
import {
  canCross,
  FAIL,
  notCloneable,
  OK,
  type ServerMessage,
  toWire,
} from "./wire.ts";
import type { Channel } from "./serve_channel.ts";

/**
 * One remote call on the serving side: the envelope written to the target
 * and its reply at once, so a call costs one object (and no closures).
 *
 * @internal
 */
export class Call implements Envelope {
  readonly op: string;
  readonly args: readonly unknown[];
  readonly signal: AbortSignal;
  readonly #channel: Channel;
  readonly #id: number;
  /** Has an entry in the channel's aborts (the client may cancel it). */
  readonly #cancellable: boolean;
  /** Came alone over the port: answered at once, bare. */
  readonly #fast: boolean;

  constructor(
    channel: Channel,
    id: number,
    op: string,
    args: readonly unknown[],
    signal: AbortSignal,
    cancellable: boolean,
    fast: boolean,
  ) {
    this.#channel = channel;
    this.#id = id;
    this.op = op;
    this.args = args;
    this.signal = signal;
    this.#cancellable = cancellable;
    this.#fast = fast;
  }

  /** The envelope's reply: this call itself. */
  get reply(): this {
    return this;
  }

  resolve(v: unknown): void {
    this.#channel.settled(this.#id, this.#cancellable);
    this.#channel.answer(answerOf(this.#id, this.op, v), this.#fast);
  }

  reject(e: unknown): void {
    this.#channel.settled(this.#id, this.#cancellable);
    this.#channel.answer({ t: FAIL, id: this.#id, e: toWire(e) }, this.#fast);
  }
}

/**
 * The answer to call `id` of `op` that returned `v`: `OK`, or `FAIL` with a
 * `DataCloneError` when `v` cannot cross, or with what a getter of `v`
 * threw while it was read (as `postMessage` would read it). Never throws.
 *
 * @internal
 */
export function answerOf(id: number, op: string, v: unknown): ServerMessage {
  let crosses: boolean;
  try {
    crosses = canCross(v);
  } catch (error) {
    return { t: FAIL, id, e: toWire(error) };
  }
  return crosses
    ? { t: OK, id, v }
    : { t: FAIL, id, e: toWire(notCloneable(`the reply of "${op}"`)) };
}
