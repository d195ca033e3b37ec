// The shards of one remote store as its client sees them, shared by the
// Durable Objects and Restate store clients: one endpoint per shard (a
// Durable Object's pipe, a Restate object key), a key routed to the shard
// that owns it, and the commands that visit every shard.
import { describe } from "../core/describe.ts";
import { shardName, shardOf } from "./shard.ts";
import { shardedEntries } from "./sharded_entries.ts";

/**
 * Sends one command to one shard's endpoint and resolves its reply.
 *
 * @internal
 */
export type ShardCall<T> = (endpoint: T, op: string) => Promise<unknown>;

/**
 * The shards of one remote store, each behind an endpoint of type `T`. The
 * endpoints are made once, in the constructor, and shared by every
 * `with()` copy of the client.
 *
 * @typeParam T What a command is sent through: a pipe, an object key.
 * @internal
 */
export class Shards<T> {
  readonly #endpoints: readonly T[];

  /**
   * Checks the shard count and makes one endpoint per shard, for the
   * object named by {@linkcode shardName}.
   *
   * @param name The store's name.
   * @param count How many shards; `undefined` for one.
   * @param action What the caller is doing, for the error message.
   * @param endpoint Makes the endpoint of the object with this name.
   */
  constructor(
    name: string,
    count: number | undefined,
    action: string,
    endpoint: (objectName: string) => T,
  ) {
    const shards = count ?? 1;
    if (!Number.isInteger(shards) || shards < 1) {
      throw new RangeError(
        `Cannot ${action}: shards must be a positive integer, received ${
          describe(shards)
        }`,
      );
    }
    this.#endpoints = Array.from(
      { length: shards },
      (_, i) => endpoint(shardName(name, i, shards)),
    );
  }

  /** How many shards there are. */
  get count(): number {
    return this.#endpoints.length;
  }

  /** Which shard owns `key` (see {@linkcode shardOf}). */
  shardOf(key: unknown): number {
    return shardOf(key, this.#endpoints.length);
  }

  /**
   * The endpoint of the shard that owns `key`. Throws a `TypeError` if the
   * key does not survive JSON: it could not cross the wire.
   *
   * @param key The key.
   * @param op The command, for the error message.
   */
  endpointOf(key: unknown, op: string): T {
    if (JSON.stringify(key) === undefined) {
      throw new TypeError(
        `Cannot ${op}: the key must survive JSON, received ${describe(key)}`,
      );
    }
    const endpoints = this.#endpoints;
    return endpoints[
      endpoints.length === 1 ? 0 : shardOf(key, endpoints.length)
    ]!;
  }

  /**
   * Sends `op` for `key` to the shard that owns it; a key that cannot
   * cross the wire rejects the promise instead of throwing.
   */
  send(key: unknown, op: string, call: ShardCall<T>): Promise<unknown> {
    let endpoint: T;
    try {
      endpoint = this.endpointOf(key, op);
    } catch (error) {
      return Promise.reject(error);
    }
    return call(endpoint, op);
  }

  /**
   * How many entries the store holds: the sum of each shard's `size`,
   * each taken at a different moment.
   */
  async size(call: ShardCall<T>): Promise<number> {
    const sizes = await Promise.all(
      this.#endpoints.map((e) => call(e, "size")),
    );
    return (sizes as number[]).reduce((a, b) => a + b, 0);
  }

  /** Sends `clear` to every shard at once; resolves once all have replied. */
  async clear(call: ShardCall<T>): Promise<void> {
    await Promise.all(this.#endpoints.map((e) => call(e, "clear")));
  }

  /**
   * Every entry, as a stream: each shard's `entries`, read one shard after
   * another when the reader asks (see `shardedEntries`).
   */
  entries<K, V>(call: ShardCall<T>): ReadableStream<[K, V]> {
    const endpoints = this.#endpoints;
    return shardedEntries<K, V>(
      endpoints.length,
      (shard) => call(endpoints[shard]!, "entries"),
    );
  }
}
