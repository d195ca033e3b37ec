/**
 * OpenTelemetry for warden: an owner's inspection events as spans, one
 * span per command (queue wait, run time, error status, a `Machine`'s
 * transitions as span events), children of the caller's active span, and
 * the trace context carried across `serve()` / `connect()` to the owning
 * thread.
 *
 * No OpenTelemetry package is imported: pass the objects of
 * `@opentelemetry/api` (a tracer, `context`, `propagation`); their types
 * are declared here by shape ({@linkcode Tracer}, {@linkcode Span},
 * {@linkcode ContextAPI}, {@linkcode PropagationAPI}).
 *
 * @example
 * ```ts
 * import { trace } from "@opentelemetry/api";
 * import { Owner } from "@warden/core";
 * import { otelInspector } from "@warden/core/otel";
 * import assert from "node:assert/strict";
 *
 * const counter = new Owner({ n: 0 }, { incr: (s) => ++s.n }, {
 *   inspect: otelInspector(trace.getTracer("my-app")),
 * });
 * assert.equal(await counter.ask("incr"), 1); // span "warden incr"
 * await counter.close();
 * ```
 *
 * @module
 */
export type {
  AttributeValue,
  Context,
  ContextAPI,
  PropagationAPI,
  Span,
  SpanOptions,
  Tracer,
} from "./api.ts";
export {
  type OtelCarrier,
  otelCarrier,
  type OtelCarrierOptions,
} from "./carrier.ts";
export { otelInspector, type OtelInspectorOptions } from "./inspector.ts";
