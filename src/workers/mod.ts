/**
 * Owners across threads: serve an `Owner`, `Store` or `Machine` in the
 * thread that owns it, and reach it from any other thread (Workers) through
 * a client with the same typed API. Commands travel over transferred
 * streams where the runtime can transfer them, otherwise over a transferred
 * `MessagePort` with a credit window (chosen by feature detection).
 *
 * A separate entry point, so the core stays small for those who do not
 * need threads.
 *
 * @example
 * ```ts
 * import { Owner } from "@warden/core";
 * import { connect, serve } from "@warden/core/workers";
 * import assert from "node:assert/strict";
 *
 * const counter = new Owner({ n: 0 }, { incr: (s) => ++s.n });
 * const { port1, port2 } = new MessageChannel(); // a Worker in real use
 * const serving = serve(counter, port1);
 * const remote = connect<typeof counter>(port2);
 * assert.equal(await remote.ask("incr"), 1);
 * await remote.close();
 * await serving.close();
 * await counter.close();
 * port1.close();
 * port2.close();
 * ```
 *
 * @module
 */
export { connect } from "./connect.ts";
export type {
  ConnectOptions,
  Remote,
  RemoteBase,
  RemoteMachine,
  RemoteOwner,
  RemoteStore,
} from "./remote.ts";
export type {
  Endpoint,
  EndpointTransfer,
  MessageListener,
} from "./endpoint.ts";
export {
  type Servable,
  serve,
  type ServeOptions,
  type Serving,
} from "./serve.ts";
