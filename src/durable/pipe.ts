// One client's ordered line to one object: commands are sent in batches,
// one batch in flight at a time, so they reach the object's command stream
// in the order the client issued them, whatever the transport does with
// concurrent requests. Commands issued while a batch is in flight go in
// the next one. Internal.
import { Deque } from "../deque.ts";
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

  send(op: string, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ command: { op, args }, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        // Gather everything issued in this turn into one batch.
        queueMicrotask(() => this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.drain();
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
