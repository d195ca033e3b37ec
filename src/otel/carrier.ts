import { describe } from "../core/describe.ts";
import type { ContextAPI, PropagationAPI } from "./api.ts";

/**
 * What {@linkcode otelCarrier} needs: the context and propagation APIs
 * (`context` and `propagation` of `@opentelemetry/api`, with a
 * propagator registered, such as W3C trace context).
 *
 * @example
 * ```ts
 * import { context, propagation } from "@opentelemetry/api";
 * import type { OtelCarrierOptions } from "@warden/core/otel";
 *
 * const apis: OtelCarrierOptions = { context, propagation };
 * console.log(typeof apis.propagation.inject); // "function"
 * ```
 */
export interface OtelCarrierOptions {
  /** The context API: where `carry` reads the active context, `enter` sets it. */
  context: ContextAPI;
  /** The propagation API: how a context becomes string fields and back. */
  propagation: PropagationAPI;
}

/**
 * The two hooks of a trace context crossing threads: `carry` for the
 * client (`connect(endpoint, { carry })`), `enter` for the owning thread
 * (`serve(owner, endpoint, { enter })`).
 *
 * @example
 * ```ts
 * import { context, propagation } from "@opentelemetry/api";
 * import { type OtelCarrier, otelCarrier } from "@warden/core/otel";
 *
 * const { carry, enter }: OtelCarrier = otelCarrier({ context, propagation });
 * // With no span active (or no propagator registered) there is nothing to carry.
 * console.log(carry()); // undefined
 * console.log(enter({}, () => "ran")); // "ran"
 * ```
 */
export interface OtelCarrier {
  /**
   * The active context as string fields (W3C `traceparent`, `tracestate`…),
   * or `undefined` when the propagator writes none.
   */
  carry(): Record<string, string> | undefined;
  /** Runs `run` inside the context read from `carried`. */
  enter<T>(carried: Record<string, string>, run: () => T): T;
}

/**
 * Carries the caller's OpenTelemetry context across `connect()` /
 * `serve()` (`@warden/core/workers`): on the client, `carry` injects the
 * active context into each command's frame; on the owning thread, `enter`
 * extracts it and submits the command inside it, so the owner's span (see
 * {@linkcode otelInspector}) is a child of the client's span: same trace,
 * across the thread boundary.
 *
 * @example
 * ```ts ignore
 * import { context, propagation, trace } from "@opentelemetry/api";
 * import { Owner } from "@warden/core";
 * import { otelCarrier, otelInspector } from "@warden/core/otel";
 * import { connect, serve } from "@warden/core/workers";
 *
 * const carrier = otelCarrier({ context, propagation });
 * // In the owning thread:
 * const counter = new Owner({ n: 0 }, { incr: (s) => ++s.n }, {
 *   inspect: otelInspector(trace.getTracer("counter")),
 * });
 * serve(counter, self, { enter: carrier.enter });
 * // In a client thread:
 * const remote = connect<typeof counter>(worker, { carry: carrier.carry });
 * await remote.ask("incr"); // the owner's span is a child of the active span here
 * ```
 *
 * (This example needs two threads; tests/otel_workers.test.ts runs the
 * same across a Node `worker_threads` worker, and a web `Worker` on Deno
 * and Bun.)
 */
export function otelCarrier(options: OtelCarrierOptions): OtelCarrier {
  const { context, propagation } = options ?? {};
  if (
    typeof context?.active !== "function" || typeof context.with !== "function"
  ) {
    throw new TypeError(
      `Cannot create an OpenTelemetry carrier: options.context must have active() and with(), received ${
        describe(context)
      }`,
    );
  }
  if (
    typeof propagation?.inject !== "function" ||
    typeof propagation.extract !== "function"
  ) {
    throw new TypeError(
      `Cannot create an OpenTelemetry carrier: options.propagation must have inject() and extract(), received ${
        describe(propagation)
      }`,
    );
  }
  return {
    carry() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      for (const _ in carrier) return carrier;
      return undefined;
    },
    enter<T>(carried: Record<string, string>, run: () => T): T {
      return context.with(
        propagation.extract(context.active(), carried),
        run,
      );
    },
  };
}
