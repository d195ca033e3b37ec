import type { AttributeValue, ContextAPI, Span, Tracer } from "./api.ts";
import { describe } from "../core/describe.ts";
import type { InspectEvent, Inspector } from "../core/inspect.ts";

/**
 * Options of {@linkcode otelInspector}.
 *
 * @example
 * ```ts
 * import { context } from "@opentelemetry/api";
 * import type { OtelInspectorOptions } from "@warden/core/otel";
 *
 * const options: OtelInspectorOptions = {
 *   context,
 *   spanName: (op, owner) => `${owner.toLowerCase()}.${op}`,
 * };
 * console.log(options.spanName?.("get", "Store")); // "store.get"
 * ```
 */
export interface OtelInspectorOptions {
  /**
   * Where a command's span takes its parent from: `context.active()` when
   * the command is accepted, which is inside the caller's call (so the
   * caller's active span is the parent). Without it the tracer takes the
   * active context itself, as `@opentelemetry/api`'s tracers do.
   *
   * @default {undefined (the tracer's own default: the active context)}
   */
  context?: ContextAPI;
  /**
   * The name of a command's span, from its op and the owner's kind.
   *
   * @default {(op) => `warden ${op}`}
   */
  spanName?: (op: string, owner: string) => string;
}

/** `SpanStatusCode.ERROR` of `@opentelemetry/api`. */
const ERROR = 2;

const defaultName = (op: string): string => `warden ${op}`;

/**
 * An inspector (the `inspect` option of an `Owner`, `Store` or `Machine`)
 * that turns the owner's inspection events into OpenTelemetry spans: one
 * span per command, started when the command is accepted (a child of the
 * caller's active span) and ended when it settles, is refused, times out
 * or is aborted.
 *
 * Attributes: `warden.op`, `warden.owner`, `warden.command_id`,
 * `warden.queued` (commands waiting to start when it was accepted, itself
 * included), `warden.queue_wait_ms` (accepted → started), `warden.run_ms`
 * (started → settled). A rejected, refused, timed-out, aborted or stuck
 * command has error status and its error recorded as an exception (for a
 * timeout or a stuck handler, a message saying so); a `Machine`'s
 * transitions and refused events are span events (a state timeout runs
 * as a command of its own, so its transition is in a span `warden after`).
 * Fulfilled commands leave the status unset, as OpenTelemetry asks of
 * instrumentation libraries.
 *
 * A command that times out or is aborted while queued ends its span then;
 * one whose handler was running keeps its span (with error status) open
 * until the handler settles, so the span covers the handler's real run.
 *
 * One inspector may watch several owners (events carry `ownerId`).
 *
 * @example
 * ```ts
 * import { trace } from "@opentelemetry/api";
 * import { Store } from "@warden/core";
 * import { otelInspector } from "@warden/core/otel";
 *
 * const store = new Store<string, number>([], {
 *   inspect: otelInspector(trace.getTracer("my-app")),
 * });
 * await store.set("a", 1); // one span "warden set" (if an SDK is registered)
 * await store.close();
 * ```
 */
export function otelInspector(
  tracer: Tracer,
  options: OtelInspectorOptions = {},
): Inspector {
  if (typeof tracer?.startSpan !== "function") {
    throw new TypeError(
      `Cannot create an OpenTelemetry inspector: the tracer has no startSpan(), received ${
        describe(tracer)
      }`,
    );
  }
  const { context, spanName = defaultName } = options;
  if (context !== undefined && typeof context.active !== "function") {
    throw new TypeError(
      `Cannot create an OpenTelemetry inspector: options.context has no active(), received ${
        describe(context)
      }`,
    );
  }
  if (typeof spanName !== "function") {
    throw new TypeError(
      `Cannot create an OpenTelemetry inspector: options.spanName must be a function, received ${
        describe(spanName)
      }`,
    );
  }
  // Open spans by owner, then command id: one inspector may watch several
  // owners (ownerId tells them apart).
  const open = new Map<number, Map<number, Span>>();
  const start = (
    op: string,
    owner: string,
    attributes: Record<string, AttributeValue>,
  ): Span =>
    tracer.startSpan(spanName(op, owner), {
      attributes: { "warden.op": op, "warden.owner": owner, ...attributes },
    }, context?.active());
  const get = (event: InspectEvent): Span | undefined =>
    open.get(event.ownerId)?.get(event.id);
  const end = (event: InspectEvent, span: Span): void => {
    span.end();
    const spans = open.get(event.ownerId);
    spans?.delete(event.id);
    if (spans?.size === 0) open.delete(event.ownerId);
  };
  return (event: InspectEvent): void => {
    switch (event.type) {
      case "accepted": {
        const span = start(event.op, event.owner, {
          "warden.command_id": event.id,
          "warden.queued": event.queued,
        });
        let spans = open.get(event.ownerId);
        if (spans === undefined) open.set(event.ownerId, spans = new Map());
        spans.set(event.id, span);
        return;
      }
      case "started": {
        const span = get(event);
        span?.setAttribute("warden.queue_wait_ms", event.waited);
        span?.addEvent("warden.started");
        return;
      }
      case "transition":
        get(event)?.addEvent("warden.transition", {
          "warden.from": event.from,
          "warden.event": event.event,
          "warden.to": event.to,
        });
        return;
      case "eventRefused":
        get(event)?.addEvent("warden.event_refused", {
          "warden.from": event.from,
          "warden.event": event.event,
          "warden.error": errorName(event.error),
        });
        return;
      case "settled": {
        const span = get(event);
        if (span === undefined) return;
        span.setAttribute("warden.run_ms", event.ran);
        if (event.outcome === "rejected") fail(span, event.error, "rejected");
        end(event, span);
        return;
      }
      case "refused": {
        const span = start(event.op, event.owner, {
          "warden.refused": event.reason,
        });
        fail(span, event.error, `refused: ${event.reason}`);
        span.end();
        return;
      }
      case "timedOut": {
        const span = get(event);
        if (span === undefined) return;
        span.setAttribute("warden.timed_out", event.while);
        fail(
          span,
          undefined,
          `timed out after ${event.after} ms while ${event.while}`,
        );
        // A running handler goes on, and its `settled` ends the span.
        if (event.while === "queued") end(event, span);
        return;
      }
      case "aborted": {
        const span = get(event);
        if (span === undefined) return;
        span.setAttribute("warden.aborted", event.while);
        fail(span, event.reason, "aborted");
        if (event.while === "queued") end(event, span);
        return;
      }
      case "stuck": {
        const span = get(event);
        if (span === undefined) return;
        span.setAttribute("warden.run_ms", event.ran);
        fail(
          span,
          undefined,
          `stuck: the handler ran past handlerTimeout (${event.ran} ms)`,
        );
        end(event, span);
        return;
      }
    }
  };
}

/** Error status, and the exception: the error, or `kind` when there is none. */
function fail(span: Span, error: unknown, kind: string): void {
  if (error instanceof Error) {
    span.recordException(error);
    span.setStatus({ code: ERROR, message: error.message });
  } else if (error !== undefined) {
    span.recordException(String(error));
    span.setStatus({ code: ERROR, message: String(error) });
  } else {
    span.recordException(kind);
    span.setStatus({ code: ERROR, message: kind });
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}
