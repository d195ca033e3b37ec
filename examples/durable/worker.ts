// A Worker with two kinds of owned state on Durable Objects:
// - page-hit counters, a Store sharded over 4 objects by key;
// - orders, one Machine per order id, refusing what its protocol forbids.
// Run it locally on workerd: `node examples/durable/run.mjs`.
// Deploy it with wrangler: see wrangler.toml beside this file.
import {
  durableMachine,
  type DurableNamespace,
  durableStore,
  machineClient,
  storeClient,
} from "@warden/core/durable";

export interface Env {
  COUNTERS: DurableNamespace;
  ORDERS: DurableNamespace;
}

/** The Durable Object class hosting a Store<string, number>. */
export const Counters = durableStore<string, number, Env>()({
  updaters: {
    // Runs inside the object, in the store's turn: an atomic increment.
    add: (current, by: number) => (current ?? 0) + by,
  },
});

/** The Durable Object class hosting one order's Machine. */
export const Orders = durableMachine((_env: Env) => ({
  initial: "cart",
  context: { items: 0 },
  states: {
    cart: {
      on: {
        add: {
          target: "cart",
          action: (order: { items: number }) => {
            order.items++;
          },
        },
        pay: {
          target: "paid",
          guard: (order: { items: number }) => order.items > 0,
        },
      },
    },
    paid: { on: { ship: "shipped", refund: "refunded" } },
    shipped: {},
    refunded: {},
  },
}));

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const [, kind, id, event] = new URL(request.url).pathname.split("/");
    // One client per request: a stub belongs to the request that made it.
    const hits = storeClient<typeof Counters>(env.COUNTERS, {
      name: "hits",
      shards: 4,
    });
    try {
      if (kind === "hit" && id) {
        return Response.json({
          page: id,
          hits: await hits.update(id, "add", 1),
        });
      }
      if (kind === "hits") {
        // Shard by shard: each part consistent, the whole not a snapshot.
        const all: Record<string, number> = {};
        for await (const [page, n] of hits.entries()) all[page] = n;
        return Response.json(all);
      }
      if (kind === "order" && id) {
        const order = machineClient<typeof Orders>(env.ORDERS, { name: id });
        if (event) await order.send(event as "add" | "pay" | "ship" | "refund");
        return Response.json(await order.snapshot());
      }
      return new Response("routes: /hit/:page, /hits, /order/:id[/:event]", {
        status: 404,
      });
    } catch (error) {
      const { name, message } = error as Error;
      return Response.json({ error: { name, message } }, { status: 409 });
    }
  },
};
