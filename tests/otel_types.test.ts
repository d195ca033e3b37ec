// Compile-time checks: the real @opentelemetry/api and SDK objects are
// assignable to @warden/core/otel's structural types without casts.
// `npm run check` (tsc) and `deno test` type-check this file; the
// `@ts-expect-error` lines must meet an error. At run time the same objects
// drive a real span through the structural types.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  context as apiContext,
  propagation as apiPropagation,
  trace,
} from "@opentelemetry/api";
import type {
  Context,
  ContextAPI,
  PropagationAPI,
  Span,
  Tracer,
} from "../src/otel/mod.ts";
import { otelCarrier, otelInspector } from "../src/otel/mod.ts";
import { sdk } from "./fixtures/otel_sdk.ts";

test("the @opentelemetry/api objects and the SDK's tracer and spans are assignable to Tracer, Span, Context, ContextAPI, PropagationAPI", () => {
  const { tracer: sdkTracer, spans } = sdk();
  const apiTracer: Tracer = trace.getTracer("types");
  const tracer: Tracer = sdkTracer;
  const contextApi: ContextAPI = apiContext;
  const propagationApi: PropagationAPI = apiPropagation;
  const active: Context = apiContext.active();
  const span: Span = tracer.startSpan("typed", {
    attributes: { "a": 1, "b": "two", "c": true },
  }, active);
  span.setAttribute("d", 4);
  span.addEvent("e", { f: "g" });
  span.setStatus({ code: 2, message: "h" });
  span.recordException(new Error("i"));
  span.end();
  // Contexts flow both ways: ours into the API, the API's into ours.
  const back: Context = contextApi.with(active, () => apiContext.active());
  assert.equal(back, active);
  otelInspector(apiTracer, { context: apiContext });
  otelCarrier({ context: apiContext, propagation: propagationApi });
  const [finished] = spans();
  assert.equal(finished.name, "typed");
  assert.deepEqual(finished.attributes, { a: 1, b: "two", c: true, d: 4 });
  assert.deepEqual(finished.status, { code: 2, message: "h" });
  assert.deepEqual(finished.events.map((e) => e.name), ["e", "exception"]);
});

test("Tracer and ContextAPI refuse what is not of their shape", () => {
  // @ts-expect-error: a tracer needs startSpan()
  const notTracer: Tracer = { startActiveSpan: () => undefined };
  // @ts-expect-error: a context API needs with()
  const notContext: ContextAPI = { active: () => apiContext.active() };
  // @ts-expect-error: propagation needs extract()
  const notPropagation: PropagationAPI = { inject: () => undefined };
  assert.throws(() => otelInspector(notTracer), TypeError);
  assert.throws(
    () => otelCarrier({ context: notContext, propagation: apiPropagation }),
    TypeError,
  );
  assert.throws(
    () => otelCarrier({ context: apiContext, propagation: notPropagation }),
    TypeError,
  );
});
