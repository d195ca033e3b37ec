/**
 * The parts of the OpenTelemetry API that `@warden/core/otel` uses,
 * declared by shape: warden depends on no OpenTelemetry package at run
 * time. The objects of `@opentelemetry/api` (a `Tracer` from
 * `trace.getTracer()`, the `context` and `propagation` singletons) are
 * assignable to these types as they are, without casts.
 *
 * @module
 */

/**
 * An attribute value, as OpenTelemetry accepts it (warden only sets
 * strings, numbers and booleans).
 */
export type AttributeValue = string | number | boolean;

/**
 * An OpenTelemetry context: immutable, opaque to warden, passed from
 * {@linkcode ContextAPI.active} to {@linkcode Tracer.startSpan} and
 * {@linkcode ContextAPI.with}. Declared with all three members of the
 * API's `Context`, so contexts pass both ways between these types and
 * `@opentelemetry/api`'s.
 *
 * @example
 * ```ts
 * import { context } from "@opentelemetry/api";
 * import type { Context } from "@warden/core/otel";
 *
 * const active: Context = context.active();
 * console.log(active.getValue(Symbol("unset"))); // undefined
 * ```
 */
export interface Context {
  /** The value stored under `key`, or `undefined`. */
  getValue(key: symbol): unknown;
  /** A new context with `value` stored under `key`. */
  setValue(key: symbol, value: unknown): Context;
  /** A new context without `key`. */
  deleteValue(key: symbol): Context;
}

/**
 * What warden passes when it starts a span.
 *
 * @example
 * ```ts
 * import type { SpanOptions } from "@warden/core/otel";
 *
 * const options: SpanOptions = { attributes: { "warden.op": "get" } };
 * console.log(options.attributes?.["warden.op"]); // "get"
 * ```
 */
export interface SpanOptions {
  /** Attributes the span starts with. */
  attributes?: Record<string, AttributeValue>;
}

/**
 * A span, as warden uses it: attributes, events, an error status, the
 * exception, its end.
 *
 * @example
 * ```ts
 * import { trace } from "@opentelemetry/api";
 * import type { Span } from "@warden/core/otel";
 *
 * // With no SDK registered the API hands out spans that record nothing.
 * const span: Span = trace.getTracer("example").startSpan("work");
 * span.setAttribute("answer", 42);
 * span.end();
 * ```
 */
export interface Span {
  /** Sets one attribute. */
  setAttribute(key: string, value: AttributeValue): unknown;
  /** Adds a timestamped event (now) with attributes. */
  addEvent(name: string, attributes?: Record<string, AttributeValue>): unknown;
  /**
   * Sets the status; warden sets only `{ code: 2 }` (`SpanStatusCode.ERROR`)
   * with a message.
   */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Records an exception as a span event. */
  recordException(exception: Error | string): void;
  /** Ends the span (now). */
  end(): void;
}

/**
 * Starts spans: `trace.getTracer(name)` of `@opentelemetry/api`.
 *
 * @example
 * ```ts
 * import { trace } from "@opentelemetry/api";
 * import type { Tracer } from "@warden/core/otel";
 *
 * const tracer: Tracer = trace.getTracer("my-app");
 * tracer.startSpan("work").end();
 * ```
 */
export interface Tracer {
  /**
   * Starts a span, a child of the span in `context` (by default the active
   * context).
   */
  startSpan(name: string, options?: SpanOptions, context?: Context): Span;
}

/**
 * The context API: `context` of `@opentelemetry/api`.
 *
 * @example
 * ```ts
 * import { context } from "@opentelemetry/api";
 * import type { ContextAPI } from "@warden/core/otel";
 *
 * const api: ContextAPI = context;
 * console.log(api.with(api.active(), () => "inside")); // "inside"
 * ```
 */
export interface ContextAPI {
  /** The context active now. */
  active(): Context;
  /** Runs `fn` with `context` active and returns what it returns. */
  with<T>(context: Context, fn: () => T): T;
}

/**
 * The propagation API: `propagation` of `@opentelemetry/api` (with a
 * propagator registered, e.g. W3C trace context).
 *
 * @example
 * ```ts
 * import { context, propagation } from "@opentelemetry/api";
 * import type { PropagationAPI } from "@warden/core/otel";
 *
 * const api: PropagationAPI = propagation;
 * const carrier: Record<string, string> = {};
 * api.inject(context.active(), carrier); // fields like `traceparent`
 * ```
 */
export interface PropagationAPI {
  /** Writes `context`'s fields into `carrier`. */
  inject(context: Context, carrier: Record<string, string>): void;
  /** `context` with the fields read from `carrier` added. */
  extract(context: Context, carrier: Record<string, string>): Context;
}
