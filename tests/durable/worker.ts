// The Worker the miniflare tests run on workerd: hosted stores and machines,
// a naive Durable Object for contrast, and a Gate object whose fetch holds
// requests until `n` of them wait (to force or rule out interleaving).
import {
  durableMachine,
  type DurableNamespace,
  type DurableObjectStateLike,
  durableStore,
  machineClient,
  storeClient,
  watchRoute,
} from "../../src/durable/mod.ts";
import { OverflowError } from "../../mod.ts";
import { LIT_MS } from "./_lamp.ts";
import page from "../../examples/durable/live.html";

interface Env {
  COUNTERS: DurableNamespace;
  CONNECTIONS: DurableNamespace;
  NAIVE: DurableNamespace;
  GATE: DurableNamespace;
  LAMPS: DurableNamespace;
  LIVE: DurableNamespace;
}

interface LampContext {
  /** lit's entries (it runs again when an object wakes in lit). */
  entries: number;
  /** Transitions out of lit: once per timeout or "off". */
  exits: number;
  lit: boolean;
  litAt: number;
  /** How long the latest entry of lit lasted when it was left. */
  litFor: number;
}

type Value = number | number[] | Log;

/** A value two fields of which must always agree: never half-applied. */
interface Log {
  items: number[];
  count: number;
}

/** Awaits a round trip to the Gate object: real I/O, the input gate opens. */
async function gate(env: Env, name: string, n: number): Promise<void> {
  const stub = env.GATE.get(env.GATE.idFromName(name) as never);
  const response = await stub.fetch(new Request(`http://gate/?n=${n}`));
  await response.text();
}

export const Counters = durableStore<string, Value, Env>()({
  updaters: {
    add(current, by: number): number {
      return (typeof current === "number" ? current : 0) + by;
    },
    // Reads, awaits I/O, then writes: a lost update if anything interleaved.
    async slowAdd(current, by: number): Promise<number> {
      const before = typeof current === "number" ? current : 0;
      await gate(this.env, `slow:${this.key}`, 1);
      return before + by;
    },
    async append(current, item: number): Promise<number[]> {
      const before = Array.isArray(current) ? current : [];
      await gate(this.env, `append:${this.key}`, 1);
      return [...before, item];
    },
    // Awaits I/O, then returns a record whose fields must agree.
    async push(current, item: number): Promise<Log> {
      const before = typeof current === "object" && !Array.isArray(current)
        ? current
        : { items: [], count: 0 };
      await gate(this.env, `push:${this.key}`, 1);
      return { items: [...before.items, item], count: before.count + 1 };
    },
    // A value storage cannot keep: the write fails, so must the command.
    unstorable(): number {
      return (() => 1) as unknown as number;
    },
  },
});

export const Connections = durableMachine((env: Env) => ({
  initial: "idle",
  context: { sent: 0 },
  states: {
    idle: {
      on: {
        send: {
          target: "inflight",
          // An async effect that awaits I/O: the input gate opens meanwhile.
          async action(context: { sent: number }) {
            await gate(env, "machine", 1);
            context.sent++;
          },
        },
        close: "closing",
      },
    },
    inflight: { on: { done: "idle", close: "closing" } },
    closing: {},
  },
}));

// A machine with a durable state timeout: lit -> expired after LIT_MS.
const LampsBase = durableMachine(() => ({
  initial: "off",
  context: { entries: 0, exits: 0, lit: false, litAt: 0, litFor: -1 },
  states: {
    off: { on: { on: "lit" } },
    lit: {
      entry(context: LampContext) {
        context.entries++;
        // A wake re-runs the entry: keep the time the lamp was switched on.
        if (!context.lit) context.litAt = Date.now();
        context.lit = true;
      },
      exit(context: LampContext) {
        context.lit = false;
        context.exits++;
        context.litFor = Date.now() - context.litAt;
      },
      on: { off: "off" },
      after: { [LIT_MS]: "expired" },
    },
    expired: { on: { on: "lit" } },
  },
}), { watchable: true });

// Watchable, with test-only doors: how many watch sockets the object holds,
// and closing them as the object ending a watch (code 1000).
export class Lamps extends LampsBase {
  readonly #state: DurableObjectStateLike;
  constructor(state: DurableObjectStateLike, env: unknown) {
    super(state, env);
    this.#state = state;
  }
  override fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const sockets = () => this.#state.getWebSockets?.() ?? [];
    if (url.pathname === "/sockets") {
      return Promise.resolve(Response.json(sockets().length));
    }
    if (url.pathname === "/close") {
      const code = Number(url.searchParams.get("code") || "1000");
      for (const socket of sockets()) socket.close(code, "test closes it");
      return Promise.resolve(Response.json(null));
    }
    return super.fetch(request);
  }
}

// A watchable store, with test-only doors: how many sockets it holds, and
// closing them as the object ending a watch (1000) or dropping it (1012),
// optionally changing the key meanwhile.
const LiveBase = durableStore<string, number, Env>()({ watchable: true });
/** How many times a Live object was constructed in this isolate. */
let liveStarts = 0;

export class Live extends LiveBase {
  readonly #state: DurableObjectStateLike;
  constructor(state: DurableObjectStateLike, env: Env) {
    super(state, env);
    this.#state = state;
    liveStarts++;
  }
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const sockets = () => this.#state.getWebSockets?.() ?? [];
    if (url.pathname === "/sockets") return Response.json(sockets().length);
    if (url.pathname === "/starts") return Response.json(liveStarts);
    if (url.pathname === "/close") {
      const code = Number(url.searchParams.get("code"));
      for (const socket of sockets()) socket.close(code, "test closes it");
      const key = url.searchParams.get("key") ?? "";
      const changes = Number(url.searchParams.get("changes") ?? "0");
      const commands = Array.from({ length: changes }, (_, i) => ({
        op: "set",
        args: [key, 1000 + i],
      }));
      if (changes > 0) {
        await super.fetch(
          new Request("https://do/", {
            method: "POST",
            body: JSON.stringify({ commands }),
          }),
        );
      }
      return Response.json(changes);
    }
    return super.fetch(request);
  }
}

/** A plain Durable Object: get, await I/O, put. Interleaves at the await. */
export class Naive {
  readonly #state: DurableObjectStateLike;
  readonly #env: Env;
  constructor(state: DurableObjectStateLike, env: Env) {
    this.#state = state;
    this.#env = env;
  }
  async fetch(request: Request): Promise<Response> {
    const n = Number(new URL(request.url).searchParams.get("n"));
    const before = ((await this.#state.storage.get("count")) as number) ?? 0;
    await gate(this.#env, "naive", n);
    await this.#state.storage.put("count", before + 1);
    return Response.json(await this.#state.storage.get("count"));
  }
}

/** Holds each request until `n` requests wait, then releases them all. */
export class Gate {
  #waiting: (() => void)[] = [];
  fetch(request: Request): Promise<Response> {
    const n = Number(new URL(request.url).searchParams.get("n"));
    return new Promise((resolve) => {
      this.#waiting.push(() => resolve(new Response("open")));
      if (this.#waiting.length >= n) {
        const waiting = this.#waiting;
        this.#waiting = [];
        for (const release of waiting) release();
      }
    });
  }
}

function reply(run: () => Promise<unknown>): Promise<Response> {
  return run().then(
    (value) => Response.json({ value: value ?? null }),
    (error: Error & { from?: string; event?: string }) =>
      Response.json({
        error: {
          name: error.name,
          message: error.message,
          isTypeError: error instanceof TypeError,
          from: error.from,
          event: error.event,
        },
      }),
  );
}

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const q = (name: string) => url.searchParams.get(name) ?? "";
    const shards = Number(q("shards") || "1");
    const counters = storeClient<typeof Counters>(env.COUNTERS, {
      name: q("name") || "counters",
      shards,
    });
    switch (url.pathname) {
      case "/get":
        return reply(() => counters.get(q("key")));
      case "/set":
        return reply(() => counters.set(q("key"), Number(q("value"))));
      case "/has":
        return reply(() => counters.has(q("key")));
      case "/delete":
        return reply(() => counters.delete(q("key")));
      case "/size":
        return reply(() => counters.size());
      case "/clear":
        return reply(() => counters.clear());
      case "/entries":
        return reply(async () => {
          const all: [string, Value][] = [];
          for await (const entry of counters.entries()) all.push(entry);
          return all;
        });
      case "/shard-of":
        return reply(() => Promise.resolve(counters.shardOf(q("key"))));
      case "/update":
        return reply(() =>
          counters.update(
            q("key"),
            q("updater") as "add",
            Number(q("by") || "1"),
          )
        );
      case "/update-fn":
        return reply(() =>
          // What untyped JS could do: a function instead of an updater name.
          (counters as unknown as {
            update(key: string, fn: unknown): Promise<unknown>;
          }).update(q("key"), (n: number) => n + 1)
        );
      case "/push":
        return reply(() =>
          counters.update(q("key"), "push", Number(q("item")))
        );
      case "/append-burst": {
        // One client, many commands in flight, issued across several turns.
        const count = Number(q("count"));
        return reply(async () => {
          const replies: Promise<unknown>[] = [];
          for (let i = 0; i < count; i++) {
            replies.push(counters.update(q("key"), "append", i));
            if (i % 3 === 0) await Promise.resolve();
            if (i % 7 === 0) await counters.has("anything");
          }
          await Promise.all(replies);
          return counters.get(q("key"));
        });
      }
      case "/live/set":
      case "/live/get":
      case "/live/watch-in-worker": {
        const live = storeClient<typeof Live>(env.LIVE, { name: "live" });
        if (url.pathname === "/live/set") {
          return reply(() => live.set(q("key"), Number(q("value"))));
        }
        if (url.pathname === "/live/get") {
          return reply(() => live.get(q("key")));
        }
        return reply(async () => {
          const seen: (number | null)[] = [];
          const reader = live.watch(q("key")).getReader();
          while (seen.length < Number(q("n"))) {
            const { value, done } = await reader.read();
            if (done) break;
            seen.push(value ?? null);
          }
          await reader.cancel();
          return seen;
        });
      }
      case "/live/page":
        return Promise.resolve(
          new Response(page, {
            headers: { "content-type": "text/html; charset=utf-8" },
          }),
        );
      case "/live/watch":
        return watchRoute<string>(request, env.LIVE, {
          name: "live",
          authorize: (req, { key }) =>
            new URL(req.url).searchParams.get("token") === "let-me-in" &&
            typeof key === "string",
        });
      case "/live/starts":
        return Promise.resolve(Response.json(liveStarts));
      case "/live/sockets":
      case "/live/close": {
        const stub = env.LIVE.get(env.LIVE.idFromName("live") as never);
        return stub.fetch(
          new Request(`https://do${url.pathname.slice(5)}${url.search}`),
        );
      }
      case "/naive":
        return env.NAIVE.get(env.NAIVE.idFromName("naive") as never).fetch(
          new Request(`http://naive/?n=${q("n")}`),
        );
      case "/lamp/watch-in-worker":
      case "/lamp/watch-overflow":
      case "/lamp/watch-closed":
      case "/lamp/watch-dropped": {
        const name = q("name") || "lamp";
        const lamp = machineClient<typeof Lamps>(env.LAMPS, { name });
        const door = (path: string) =>
          env.LAMPS.get(env.LAMPS.idFromName(name) as never).fetch(
            new Request(`https://do${path}`),
          ).then((r) => r.json() as Promise<number>);
        // Bounded wait for the object to hold `n` watch sockets.
        const sockets = async (n: number, what: string) => {
          for (let i = 0; i < 200; i++) {
            if (await door("/sockets") === n) return;
            await new Promise((r) => setTimeout(r, 20));
          }
          throw new Error(
            `${what}: the object holds ${await door(
              "/sockets",
            )} sockets, expected ${n}`,
          );
        };
        const take = async (
          reader: ReadableStreamDefaultReader<unknown>,
          n: number,
        ) => {
          const seen: unknown[] = [];
          while (seen.length < n) {
            const { value, done } = await reader.read();
            if (done) break;
            seen.push(value);
          }
          return seen;
        };
        if (url.pathname === "/lamp/watch-overflow") {
          // A slow watcher (buffer 1) reads nothing while six transitions
          // arrive; a fast one reads them all.
          return reply(async () => {
            const slow = lamp.watch({ buffer: 1 }).getReader();
            const fast = lamp.watch().getReader();
            await sockets(2, "the watches never connected");
            for (const event of ["on", "off", "on", "off", "on", "off"]) {
              await lamp.send(event as "on");
            }
            const fastSeen = await take(fast, 6);
            await new Promise((r) => setTimeout(r, 100));
            const error = await slow.read().then(
              (r) => ({ name: "no error", read: r.value }),
              (e: Error & { limit?: number }) => ({
                name: e.name,
                isOverflow: e instanceof OverflowError,
                limit: e.limit,
              }),
            );
            await fast.cancel();
            await sockets(0, "an overflowed watch did not close its socket");
            return { fast: fastSeen.length, error };
          });
        }
        if (url.pathname === "/lamp/watch-dropped") {
          // The socket drops (1012) after the first transition; the second
          // is sent while the watch reconnects (before or after it is back).
          return reply(async () => {
            const reader = lamp.watch().getReader();
            await sockets(1, "the watch never connected");
            await lamp.send("on");
            const first = await take(reader, 1);
            await door("/close?code=1012");
            await lamp.send("off");
            const second = await take(reader, 1);
            await reader.cancel();
            return [...first, ...second];
          });
        }
        if (url.pathname === "/lamp/watch-closed") {
          return reply(async () => {
            const reader = lamp.watch().getReader();
            await sockets(1, "the watch never connected");
            await lamp.send("on");
            const first = await take(reader, 1);
            await door("/close");
            return { first, after: await reader.read() };
          });
        }
        // Several watchers, then on, off, on; the fourth transition is
        // the alarm's timeout. Cancelling closes every socket.
        return reply(async () => {
          const readers = Array.from(
            { length: Number(q("watchers") || "1") },
            () => lamp.watch().getReader(),
          );
          await sockets(readers.length, "the watches never connected");
          await lamp.send("on");
          await lamp.send("off");
          await lamp.send("on");
          const seen = await Promise.all(
            readers.map((r) => take(r, Number(q("n") || "4"))),
          );
          await Promise.all(readers.map((r) => r.cancel()));
          await sockets(0, "cancelling the watches did not close the sockets");
          return seen;
        });
      }
      case "/lamp/send":
      case "/lamp/snapshot": {
        const lamp = machineClient<typeof Lamps>(env.LAMPS, {
          name: q("name") || "lamp",
        });
        if (url.pathname === "/lamp/send") {
          return reply(() => lamp.send(q("event") as "on"));
        }
        return reply(() => lamp.snapshot());
      }
      case "/machine/send":
      case "/machine/state":
      case "/machine/snapshot": {
        const conn = machineClient<typeof Connections>(env.CONNECTIONS, {
          name: q("name") || "conn",
        });
        if (url.pathname === "/machine/send") {
          return reply(() => conn.send(q("event") as "send"));
        }
        if (url.pathname === "/machine/state") return reply(() => conn.state());
        return reply(() => conn.snapshot());
      }
    }
    return Promise.resolve(new Response("not found", { status: 404 }));
  },
};
