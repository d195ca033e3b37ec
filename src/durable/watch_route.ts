import { describe } from "../core/describe.ts";
import { shardName, shardOf } from "../remote/shard.ts";
import type { DurableNamespace } from "./types.ts";

/**
 * Options of {@linkcode watchRoute}.
 *
 * @typeParam K The store's key type.
 *
 * @example
 * ```ts
 * import type { WatchRouteOptions } from "@warden/core/durable";
 *
 * const options: WatchRouteOptions<string> = {
 *   name: "counters",
 *   // Only keys under "public:" may be watched, by anyone.
 *   authorize: (_request, { key }) => key.startsWith("public:"),
 * };
 * console.log(options.name); // "counters"
 * ```
 */
export interface WatchRouteOptions<K> {
  /** The store's name, as its `storeClient` is given. */
  name: string;
  /**
   * The store's shard count, as its `storeClient` is given.
   *
   * @default {1}
   */
  shards?: number;
  /**
   * Whether this request may watch `key` of the store `name`: the user's
   * rule (a session cookie, a token in the URL). Required: there is no
   * default that lets anyone watch any key. A refusal (or a throw)
   * answers 403 and no socket is opened.
   */
  authorize: (
    request: Request,
    target: { name: string; key: K },
  ) => boolean | Promise<boolean>;
}

/**
 * A Worker route that lets a browser watch one key of a store hosted by
 * `durableStore({ watchable: true })`: it checks the upgrade, asks
 * `authorize`, and hands the WebSocket upgrade to the object that owns the
 * key (which accepts it with the Hibernation API). The page uses
 * {@linkcode watchUrl}. The key comes as JSON in `?key=`.
 *
 * @typeParam K The store's key type.
 * @param request The browser's upgrade request.
 * @param namespace The store's Durable Object binding.
 * @param options The store's name, its shards, and `authorize`.
 * @returns The object's `101` answer, or `400`/`403`/`426`.
 *
 * @example
 * ```ts
 * import { watchRoute, type DurableNamespace } from "@warden/core/durable";
 *
 * const worker = {
 *   fetch(request: Request, env: { COUNTERS: DurableNamespace; TOKEN: string }) {
 *     return watchRoute<string>(request, env.COUNTERS, {
 *       name: "counters",
 *       authorize: (req) => new URL(req.url).searchParams.get("token") === env.TOKEN,
 *     });
 *   },
 * };
 * const refused = await worker.fetch(new Request("https://w/watch?key=%22a%22"), {
 *   COUNTERS: {} as DurableNamespace,
 *   TOKEN: "t",
 * });
 * console.log(refused.status); // 426: not a WebSocket upgrade
 * ```
 */
export async function watchRoute<K>(
  request: Request,
  namespace: DurableNamespace,
  options: WatchRouteOptions<K>,
): Promise<Response> {
  if (typeof options?.authorize !== "function") {
    throw new TypeError(
      `Cannot route watches: options.authorize must be a function (there is no default that lets anyone watch), received ${
        describe(options?.authorize)
      }`,
    );
  }
  const shards = options.shards ?? 1;
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("Cannot watch: send a WebSocket upgrade", {
      status: 426,
    });
  }
  const url = new URL(request.url);
  const text = url.searchParams.get("key");
  let key: K;
  try {
    key = JSON.parse(text ?? "") as K;
  } catch {
    return new Response("Cannot watch: ?key= must be the key as JSON", {
      status: 400,
    });
  }
  let allowed = false;
  try {
    allowed = await options.authorize(request, { name: options.name, key });
  } catch {
    allowed = false;
  }
  if (allowed !== true) {
    return new Response("Cannot watch: not authorized", { status: 403 });
  }
  const shard = shards === 1 ? 0 : shardOf(key, shards);
  const stub = namespace.get(
    namespace.idFromName(shardName(options.name, shard, shards)) as never,
  );
  const target = new URL("https://warden.invalid/watch");
  target.searchParams.set("key", JSON.stringify(key));
  const since = url.searchParams.get("since");
  if (since !== null) target.searchParams.set("since", since);
  return stub.fetch(new Request(target, { headers: request.headers }));
}
