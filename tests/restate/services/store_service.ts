// The test service: a store and a machine, served by the SDK's own node
// endpoint (http2) on env PORT.
import * as restate from "@restatedev/restate-sdk";
import { Counters, Door } from "./definitions.ts";

const port = Number(process.env.PORT);
await restate.serve({ services: [Counters, Door], port });
console.log(`listening ${port}`);
