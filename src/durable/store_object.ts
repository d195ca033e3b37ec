import { describe } from "../core/describe.ts";
import { Owner } from "../owner.ts";
import type { Persistence, StoreChange } from "../core/persistence.ts";
import { storagePersistence } from "./storage_persistence.ts";
import type { DurableObjectStateLike } from "./types.ts";
import { type Asker, serve } from "./serve.ts";
import { fromHost, HOST } from "./host_only.ts";
import { answer, closed, WatchHub } from "./watch_hub.ts";
import { MAX_WATCH_KEY, parseSince } from "./watch_wire.ts";
import type { Updater } from "../remote/updater.ts";
import type {
  DurableStoreFactory,
  DurableStoreOptions,
  UpdaterContext,
} from "./store_types.ts";

interface Entry<K, V> {
  key: K;
  value: V;
}

interface Hosted<K, V> {
  map: Map<string, Entry<K, V>>;
  hub: WatchHub | undefined;
  persistence: Persistence<[K, V][], StoreChange<K, V>[]>;
  updaters: Map<string, Updater<V>>;
  env: unknown;
}

/**
 * Makes a Durable Object class that hosts a `Store<K, V>` with its entries
 * in the object's transactional storage. Export the class from your Worker
 * and bind it as a Durable Object; talk to it with
 * {@linkcode storeClient}.
 *
 * What the object adds to a plain Durable Object:
 * - Every command goes through one owner's command stream, one at a time,
 *   in the order received. An updater that awaits `fetch()` opens the
 *   object's input gate, so the runtime delivers the next request, but its
 *   commands wait in the stream: no interleaving, no lost update.
 * - Each changing command (`set`, `delete`, `update`, `clear`) writes its
 *   effect to storage and waits for the write before the map changes and
 *   before its reply is sent. If the write fails, the command fails and
 *   the map is as it was.
 * - On wake, the entries are loaded inside `blockConcurrencyWhile`, before
 *   the first command.
 *
 * Keys and values cross the wire as JSON: keys are compared by their JSON
 * text, and values must survive `JSON.stringify`.
 *
 * It is a function returning a function so that `K` and `V` can be given
 * while the updaters' types are inferred: `durableStore<K, V, Env>()({ ... })`.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @typeParam Env The Worker's bindings, as updaters see them in `this.env`.
 * @returns A function from the options to the Durable Object class.
 *
 * @example A store of counters with a named updater
 * ```ts
 * import { durableStore } from "@warden/core/durable";
 *
 * // Export it from the Worker module (export const Counters = ...), then
 * // in wrangler.toml: [[durable_objects.bindings]] name = "COUNTERS", class_name = "Counters"
 * const Counters = durableStore<string, number>()({
 *   updaters: {
 *     add: (current, by: number) => (current ?? 0) + by,
 *   },
 * });
 * console.log(typeof Counters); // "function"
 * ```
 */
export function durableStore<K, V, Env = unknown>(): DurableStoreFactory<
  K,
  V,
  Env
> {
  return (options: DurableStoreOptions<K, V, unknown, Env> = {}) => {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create durableStore: options must be an object, received ${
          describe(options)
        }`,
      );
    }
    const updaters = new Map<string, Updater<V>>();
    for (const [name, fn] of Object.entries(options.updaters ?? {})) {
      if (typeof fn !== "function") {
        throw new TypeError(
          `Cannot create durableStore: updater "${name}" must be a function, received ${
            describe(fn)
          }`,
        );
      }
      updaters.set(name, fn as Updater<V>);
    }
    const prefix = options.prefix ?? "entry:";
    const persist = options.persistence ??
      ((state: DurableObjectStateLike) =>
        storagePersistence<K, V>(state.storage, prefix));
    return class DurableStore {
      readonly #owner: Promise<Asker>;
      constructor(state: DurableObjectStateLike, env: Env) {
        const persistence = persist(state, env);
        this.#owner = state.blockConcurrencyWhile(async () => {
          const map = new Map<string, Entry<K, V>>();
          for (const [key, value] of (await persistence.load()) ?? []) {
            map.set(JSON.stringify(key), { key, value });
          }
          const hub = options.watchable === true
            ? await WatchHub.load(state)
            : undefined;
          const hosted: Hosted<K, V> = {
            map,
            hub,
            persistence,
            updaters,
            env,
          };
          return new Owner(
            hosted as unknown as Hosted<unknown, unknown>,
            handlers,
            { inspect: options.inspect, inspectValues: options.inspectValues },
          ) as unknown as Asker;
        });
      }
      async fetch(request: Request): Promise<Response> {
        const owner = await this.#owner;
        if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
          return upgrade(owner, request);
        }
        return serve(owner, request);
      }
      webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
        answer(socket, message);
      }
      webSocketClose(socket: WebSocket): void {
        closed(socket);
      }
    };
  };
}

// The hosted store's commands: the only code that touches the map. Each
// changing command saves its change first, then changes the map.
const handlers = {
  get(hosted: Hosted<unknown, unknown>, key: unknown): unknown {
    return hosted.map.get(keyOf(key))?.value;
  },
  has(hosted: Hosted<unknown, unknown>, key: unknown): boolean {
    return hosted.map.has(keyOf(key));
  },
  size(hosted: Hosted<unknown, unknown>): number {
    return hosted.map.size;
  },
  entries(hosted: Hosted<unknown, unknown>): [unknown, unknown][] {
    return Array.from(hosted.map.values(), (e) => [e.key, e.value]);
  },
  async set(
    hosted: Hosted<unknown, unknown>,
    key: unknown,
    value: unknown,
  ): Promise<void> {
    const id = keyOf(key);
    const bumped = bump(hosted, id);
    await saved(bumped, hosted.persistence.save([{ op: "set", key, value }]));
    hosted.map.set(id, { key, value });
    publish(hosted, id, bumped, value);
  },
  async delete(
    hosted: Hosted<unknown, unknown>,
    key: unknown,
  ): Promise<boolean> {
    const id = keyOf(key);
    if (!hosted.map.has(id)) return false;
    const bumped = bump(hosted, id);
    await saved(bumped, hosted.persistence.save([{ op: "delete", key }]));
    hosted.map.delete(id);
    publish(hosted, id, bumped, undefined);
    return true;
  },
  async clear(hosted: Hosted<unknown, unknown>): Promise<void> {
    const ids = hosted.hub === undefined ? [] : [...hosted.map.keys()];
    const bumped = ids.map((id) => bump(hosted, id));
    await Promise.all([
      ...bumped.map((b) => b?.written),
      hosted.persistence.save([{ op: "clear" }]),
    ]);
    hosted.map.clear();
    ids.forEach((id, i) => publish(hosted, id, bumped[i], undefined));
  },
  /** A watch starts or resumes: its first frame in the store's turn. */
  watch(
    hosted: Hosted<unknown, unknown>,
    token: unknown,
    id: string,
    since: number | undefined,
  ): Response {
    fromHost("watch", token);
    if (hosted.hub === undefined) {
      return new Response(
        "Cannot watch: this store is not watchable (durableStore({ watchable: true }))",
        { status: 404 },
      );
    }
    return hosted.hub.accept(id, since, hosted.map.get(id)?.value);
  },
  async update(
    hosted: Hosted<unknown, unknown>,
    key: unknown,
    name: unknown,
    args: unknown,
  ): Promise<unknown> {
    const id = keyOf(key);
    const fn = hosted.updaters.get(name as string);
    if (fn === undefined) {
      throw new TypeError(
        `Cannot update: no updater named ${describe(name)} (known: ${
          [...hosted.updaters.keys()].join(", ") || "none"
        })`,
      );
    }
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot update: args must be an array, received ${describe(args)}`,
      );
    }
    const context: UpdaterContext<unknown, unknown> = { env: hosted.env, key };
    const value = await fn.call(context, hosted.map.get(id)?.value, ...args);
    const bumped = bump(hosted, id);
    await saved(bumped, hosted.persistence.save([{ op: "set", key, value }]));
    hosted.map.set(id, { key, value });
    publish(hosted, id, bumped, value);
    return value;
  },
};

type Bumped = ReturnType<WatchHub["bump"]> | undefined;

/** The next version of a watchable key; its write is issued now. */
function bump(hosted: Hosted<unknown, unknown>, id: string): Bumped {
  return hosted.hub?.bump(id);
}

/** Waits for a change's save and its version's write (one commit). */
async function saved(bumped: Bumped, save: Promise<void>): Promise<void> {
  if (bumped === undefined) return save;
  await Promise.all([bumped.written, save]);
}

function publish(
  hosted: Hosted<unknown, unknown>,
  id: string,
  bumped: Bumped,
  value: unknown,
): void {
  if (bumped !== undefined) hosted.hub!.publish(id, bumped.v, value);
}

/** Answers a WebSocket upgrade: a watch of the key in `?key=` (JSON). */
async function upgrade(owner: Asker, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const key = url.searchParams.get("key");
  const since = parseSince(url);
  let problem: string | undefined;
  if (key === null) problem = "the URL has no ?key= (the key as JSON)";
  else if (key.length > MAX_WATCH_KEY) {
    problem =
      `the key's JSON has ${key.length} characters, at most ${MAX_WATCH_KEY}`;
  } else {
    try {
      JSON.parse(key);
    } catch {
      problem = "?key= is not JSON";
    }
  }
  if (typeof since === "string") problem = since;
  if (problem !== undefined) {
    return new Response(`Cannot watch: ${problem}`, { status: 400 });
  }
  // Keys are compared by their JSON text, as the commands do.
  const id = JSON.stringify(JSON.parse(key!));
  return await owner.ask("watch", HOST, id, since) as Response;
}

function keyOf(key: unknown): string {
  if (key === undefined) {
    throw new TypeError(
      "Cannot use key: it must survive JSON, received undefined",
    );
  }
  return JSON.stringify(key);
}
