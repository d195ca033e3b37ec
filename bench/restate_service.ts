// The bench's service (Node 22+): the same counter twice, hosted by warden
// (restateStore) and written directly with the Restate SDK.
import * as restate from "@restatedev/restate-sdk";
import { restateStore } from "../src/restate/mod.ts";

export const Warden = restateStore<string, number>()("warden", {
  updaters: { add: (current, by: number) => (current ?? 0) + by },
});

export const Raw = restate.object({
  name: "raw",
  handlers: {
    add: async (ctx: restate.ObjectContext, by: number): Promise<number> => {
      const next = (await ctx.get<number>("n") ?? 0) + by;
      ctx.set("n", next);
      return next;
    },
  },
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT);
  await restate.serve({ services: [Warden, Raw], port });
  console.log(`listening ${port}`);
}
