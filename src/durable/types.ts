/**
 * The few parts of the Cloudflare Workers runtime the adapter touches,
 * declared structurally so that warden depends on no Cloudflare package:
 * the real `DurableObjectState`, `DurableObjectStorage` and
 * `DurableObjectNamespace` fit these shapes.
 *
 * @module
 */

/**
 * The part of a Durable Object's transactional storage the adapter uses
 * (`DurableObjectStorage` from `@cloudflare/workers-types` fits).
 *
 * @example A Map-backed stand-in, for tests outside workerd
 * ```ts
 * import type { DurableStorage } from "@warden/core/durable";
 *
 * const data = new Map<string, unknown>();
 * const storage: DurableStorage = {
 *   get: (key) => Promise.resolve(data.get(key)),
 *   put: (key, value) => Promise.resolve(void data.set(key, value)),
 *   delete: (key) => Promise.resolve(data.delete(key)),
 *   deleteAll: () => Promise.resolve(data.clear()),
 *   list: ({ prefix = "" } = {}) =>
 *     Promise.resolve(new Map([...data].filter(([k]) => k.startsWith(prefix)))),
 * };
 * await storage.put("a", 1);
 * console.log(await storage.get("a")); // 1
 * ```
 */
export interface DurableStorage {
  /** The value stored under `key`, or `undefined`. */
  get(key: string): Promise<unknown>;
  /** Stores `value` (structured-cloned) under `key`. */
  put(key: string, value: unknown): Promise<void>;
  /** Removes `key`; resolves whether it was there. */
  delete(key: string): Promise<boolean>;
  /** Removes every key. */
  deleteAll(): Promise<void>;
  /** Every key starting with `prefix`, in key order, with its value. */
  list(options?: { prefix?: string }): Promise<Map<string, unknown>>;
  /**
   * Arms the object's one alarm for `scheduledTime` (epoch ms), replacing
   * any armed before. Needed only by a `durableMachine` with `after`
   * state timeouts.
   */
  setAlarm?(scheduledTime: number): Promise<void>;
  /** Disarms the object's alarm. Needed with `setAlarm`. */
  deleteAlarm?(): Promise<void>;
}

/**
 * What a Durable Object's constructor receives as its first argument
 * (`DurableObjectState` fits).
 *
 * @example
 * ```ts
 * import type { DurableObjectStateLike, DurableStorage } from "@warden/core/durable";
 *
 * // A stand-in for tests outside workerd: no concurrency to block.
 * const stand = (storage: DurableStorage): DurableObjectStateLike => ({
 *   storage,
 *   blockConcurrencyWhile: (fn) => fn(),
 * });
 * console.log(typeof stand); // "function"
 * ```
 */
export interface DurableObjectStateLike {
  /** The object's transactional storage. */
  readonly storage: DurableStorage;
  /**
   * Runs `fn` while no request is delivered to the object; used to load
   * the state before the first command.
   */
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Takes a WebSocket into the Hibernation API: the object may be evicted
   * from memory while the socket stays open. Needed only by a watchable
   * `durableStore`.
   */
  acceptWebSocket?(socket: WebSocket, tags?: string[]): void;
  /** The sockets accepted with `tag` (hibernated ones too). */
  getWebSockets?(tag?: string): WebSocket[];
}

/**
 * A stub of one Durable Object: what a client sends requests to
 * (`DurableObjectStub` fits).
 *
 * @example
 * ```ts
 * import type { DurableStub } from "@warden/core/durable";
 *
 * const echo: DurableStub = {
 *   fetch: (request) => Promise.resolve(new Response(request.body)),
 * };
 * const reply = await echo.fetch(new Request("https://do/", { method: "POST", body: "hi" }));
 * console.log(await reply.text()); // "hi"
 * ```
 */
export interface DurableStub {
  /** Sends one request to the object. */
  fetch(request: Request): Promise<Response>;
}

/**
 * A Durable Object namespace binding (`env.MY_DO`): how a client finds the
 * object for a name (`DurableObjectNamespace` fits).
 *
 * @example
 * ```ts
 * import type { DurableNamespace, DurableStub } from "@warden/core/durable";
 *
 * const objects = new Map<string, DurableStub>();
 * const namespace: DurableNamespace = {
 *   idFromName: (name) => name,
 *   get: (id) => objects.get(id as string)!,
 * };
 * console.log(namespace.idFromName("counters")); // "counters"
 * ```
 */
export interface DurableNamespace {
  /** The stable id of the object called `name`. */
  idFromName(name: string): unknown;
  /** A stub for the object with that id. */
  get(id: never): DurableStub;
}
