// One client's ordered line to one object: commands are sent in batches,
// one batch in flight at a time, so they reach the object's command stream
// in the order the client issued them, whatever the transport does with
// concurrent requests. Commands issued while a batch is in flight go in
// the next one. Internal.
import type { CommandOptions } from "../core/command.ts";
import { Deque } from "../core/deque.ts";
import { TimeoutError } from "../core/errors.ts";
import type { DurableStub } from "./types.ts";
import {
  CONTENT_TYPE,
  fromWireError,
  type WireCommand,
  type WireError,
  type WireResult,
} from "./wire.ts";

interface Pending {
  command: WireCommand;
  /** Settled already (aborted or timed out): not sent if still queued. */
  done: boolean;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

export class Pipe {
  readonly #stub: () => DurableStub;
  readonly #queue = new Deque<Pending>();
  #busy = false;

  constructor(stub: () => DurableStub) {
    this.#stub = stub;
  }

  /** The object's stub, for requests outside the command batches. */
  stub(): DurableStub {
    return this.#stub();
  }

  /**
   * Queues one command. A `signal` or `timeout` that fires while it is
   * still queued here drops it (never sent, never run); once its batch is
   * in flight, only its reply is rejected: the object may still run it.
   */
  send(
    op: string,
    args: unknown[],
    options?: CommandOptions,
  ): Promise<unknown> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => pending.reject(signal!.reason);
      const settle = () => {
        pending.done = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const pending: Pending = {
        command: { op, args },
        done: false,
        resolve(value) {
          if (pending.done) return;
          settle();
          resolve(value);
        },
        reject(reason) {
          if (pending.done) return;
          settle();
          reject(reason);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const timeout = options?.timeout;
      if (timeout !== undefined && timeout !== Infinity) {
        timer = setTimeout(() =>
          pending.reject(
            new TimeoutError(
              `Command "${op}" timed out after ${timeout} ms`,
              { timeout, command: { op, args } },
            ),
          ), timeout);
      }
      this.#queue.push(pending);
      if (!this.#busy) {
        this.#busy = true;
        // Gather everything issued in this turn into one batch.
        queueMicrotask(() => this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.drain().filter((pending) => !pending.done);
      if (batch.length === 0) continue;
      try {
        const results = await this.#post(batch.map((p) => p.command));
        batch.forEach((pending, i) => {
          const result = results[i]!;
          if (result.ok) pending.resolve(result.value);
          else pending.reject(fromWireError(result.error));
        });
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.#busy = false;
  }

  async #post(commands: WireCommand[]): Promise<WireResult[]> {
    const response = await this.#stub().fetch(
      new Request("https://warden.invalid/commands", {
        method: "POST",
        headers: { "content-type": CONTENT_TYPE },
        body: JSON.stringify({ commands }),
      }),
    );
    const body = await response.json() as {
      results?: WireResult[];
      error?: WireError;
    };
    if (body.error !== undefined) throw fromWireError(body.error);
    if (
      !Array.isArray(body.results) || body.results.length !== commands.length
    ) {
      throw new TypeError(
        `Cannot read the object's reply: expected ${commands.length} results, received status ${response.status}`,
      );
    }
    return body.results;
  }
}
