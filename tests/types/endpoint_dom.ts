// Type-checked by `npm run check` under lib DOM (tests/types/tsconfig.dom.json):
// a browser's Worker, MessagePort and `self` are Endpoints with no cast.
import { connect, type Endpoint, serve } from "../../src/workers/mod.ts";
import { Owner } from "../../mod.ts";

export function domEndpoints(worker: Worker, port: MessagePort): void {
  connect(self);
  serve(new Owner({}, {}), self);
  connect(worker);
  connect(port);
  const endpoint: Endpoint = new MessageChannel().port1;
  serve(new Owner({}, {}), endpoint);
  // @ts-expect-error: not an endpoint
  connect({});
}
