// @warden/core/otel against the real OpenTelemetry SDK: every span is read
// back from an InMemorySpanExporter (SimpleSpanProcessor), with the
// AsyncLocalStorage context manager and W3C trace context registered
// globally (tests/fixtures/otel_sdk.ts). The crossing of a worker boundary
// is tests/otel_workers.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  context,
  propagation,
  type Span as ApiSpan,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import {
  ClosedError,
  Machine,
  OverflowError,
  Owner,
  Store,
  TimeoutError,
  TransitionError,
} from "../mod.ts";
import { otelCarrier, otelInspector } from "../src/otel/mod.ts";
import { deferred, manualClock } from "./_helpers.ts";
import { sdk } from "./fixtures/otel_sdk.ts";

/** manualClock() with the `now()` the inspection events read. */
function clock() {
  let now = 0;
  const timers = manualClock();
  return {
    now: () => now,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    advance(ms: number) {
      now += ms;
      timers.advance(ms);
    },
  };
}

/** Runs `fn` inside a new active span `name`, which ends after `fn`. */
async function within<T>(
  tracer: ReturnType<typeof sdk>["tracer"],
  name: string,
  fn: (span: ApiSpan) => Promise<T>,
): Promise<T> {
  return await tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn(span);
    } finally {
      span.end();
    }
  });
}

const exceptions = (span: ReadableSpan) =>
  span.events.filter((e) => e.name === "exception").map((e) => ({
    type: e.attributes?.["exception.type"],
    message: e.attributes?.["exception.message"],
  }));

test("otelInspector(): one span per command, named `warden <op>`, with warden.op, warden.owner and warden.command_id", async () => {
  const { tracer, spans } = sdk();
  const store = new Store<string, number>([], {
    inspect: otelInspector(tracer),
    clock: clock(), // times from its now(): 0 here
  });
  await store.set("a", 1);
  assert.equal(await store.get("a"), 1);
  await store.close();
  assert.deepEqual(
    spans().map((s) => [s.name, s.attributes]),
    [
      ["warden set", {
        "warden.op": "set",
        "warden.owner": "Store",
        "warden.command_id": 1,
        "warden.queued": 0,
        "warden.queue_wait_ms": 0,
        "warden.run_ms": 0,
      }],
      ["warden get", {
        "warden.op": "get",
        "warden.owner": "Store",
        "warden.command_id": 2,
        "warden.queued": 0,
        "warden.queue_wait_ms": 0,
        "warden.run_ms": 0,
      }],
    ],
  );
  for (const span of spans()) {
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.deepEqual(span.events.map((e) => e.name), ["warden.started"]);
  }
});

test("otelInspector(): a command's span is a child of the caller's active span; with none it is a root", async () => {
  const { tracer, spans, named } = sdk();
  const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n }, {
    inspect: otelInspector(tracer, { context }),
  });
  await within(tracer, "caller", () => owner.ask("incr"));
  await owner.ask("incr");
  await owner.close();
  const [caller] = named("caller");
  const [inside, outside] = named("warden incr");
  assert.equal(spans().length, 3);
  assert.equal(inside.spanContext().traceId, caller.spanContext().traceId);
  assert.equal(inside.parentSpanContext?.spanId, caller.spanContext().spanId);
  assert.equal(outside.parentSpanContext, undefined);
  assert.notEqual(outside.spanContext().traceId, caller.spanContext().traceId);
});

test("otelInspector(): the span of a command queued behind a busy handler records its queue wait and run time", async () => {
  const { tracer, named } = sdk();
  const time = clock();
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    slow: async (s) => {
      await gate.promise;
      return ++s.n;
    },
    fast: (s) => ++s.n,
  }, { inspect: otelInspector(tracer), clock: time });
  const slow = owner.ask("slow");
  const fast = owner.ask("fast");
  time.advance(7);
  gate.resolve();
  assert.deepEqual(await Promise.all([slow, fast]), [1, 2]);
  await owner.close();
  const [slowSpan] = named("warden slow");
  const [fastSpan] = named("warden fast");
  assert.equal(slowSpan.attributes["warden.queue_wait_ms"], 0);
  assert.equal(slowSpan.attributes["warden.run_ms"], 7);
  assert.equal(fastSpan.attributes["warden.queued"], 1);
  assert.equal(fastSpan.attributes["warden.queue_wait_ms"], 7);
  assert.equal(fastSpan.attributes["warden.run_ms"], 0);
  assert.equal(fastSpan.attributes["warden.command_id"], 2);
});

test("otelInspector(): a rejected command's span has error status and the error recorded as an exception", async () => {
  const { tracer, spans } = sdk();
  const owner = new Owner({ n: 0 }, {
    check: (_s, n: number) => {
      if (n < 0) throw new RangeError(`negative: ${n}`);
      return n;
    },
  }, { inspect: otelInspector(tracer) });
  await assert.rejects(owner.ask("check", -1), RangeError);
  assert.equal(await owner.ask("check", 1), 1);
  await owner.close();
  const [failed, fine] = spans();
  assert.deepEqual(failed.status, {
    code: SpanStatusCode.ERROR,
    message: "negative: -1",
  });
  assert.deepEqual(exceptions(failed), [{
    type: "RangeError",
    message: "negative: -1",
  }]);
  assert.equal(fine.status.code, SpanStatusCode.UNSET);
  assert.deepEqual(exceptions(fine), []);
});

test("otelInspector(): a refused command (closed owner, full queue) gets an error span with warden.refused", async () => {
  const { tracer, named } = sdk();
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    wait: () => gate.promise,
    incr: (s) => ++s.n,
  }, { inspect: otelInspector(tracer), highWaterMark: 1, overflow: "reject" });
  const running = owner.ask("wait");
  const queued = owner.ask("incr");
  await assert.rejects(owner.ask("incr"), OverflowError);
  gate.resolve();
  await running;
  await queued;
  await owner.close();
  await assert.rejects(owner.ask("incr"), ClosedError);
  const refused = named("warden incr").filter((s) =>
    s.attributes["warden.refused"] !== undefined
  );
  assert.deepEqual(
    refused.map((s) => [s.attributes["warden.refused"], s.status.code]),
    [["overflow", SpanStatusCode.ERROR], ["closed", SpanStatusCode.ERROR]],
  );
  assert.deepEqual(
    refused.map((s) => exceptions(s)[0].type),
    ["OverflowError", "ClosedError"],
  );
  assert.equal(refused[0].attributes["warden.command_id"], undefined);
});

test("otelInspector(): a command that times out while queued ends its span with error status at the timeout", async () => {
  const { tracer, named } = sdk();
  const time = clock();
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    wait: () => gate.promise,
    incr: (s) => ++s.n,
  }, { inspect: otelInspector(tracer), clock: time });
  const running = owner.ask("wait");
  const late = owner.with({ timeout: 50 }).ask("incr");
  time.advance(50);
  await assert.rejects(late, TimeoutError);
  const [span] = named("warden incr");
  assert.ok(span, "the span ended at the timeout, before the owner was free");
  assert.equal(span.attributes["warden.timed_out"], "queued");
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.match(span.status.message ?? "", /timed out after 50 ms while queued/);
  gate.resolve();
  await running;
  await owner.close();
  assert.equal(named("warden incr").length, 1);
});

test("otelInspector(): a command aborted by its signal while queued ends its span with error status and the reason", async () => {
  const { tracer, named } = sdk();
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    wait: () => gate.promise,
    incr: (s) => ++s.n,
  }, { inspect: otelInspector(tracer) });
  const running = owner.ask("wait");
  const controller = new AbortController();
  const aborted = owner.with({ signal: controller.signal }).ask("incr");
  const reason = new Error("user left");
  controller.abort(reason);
  await assert.rejects(aborted, (e) => e === reason);
  gate.resolve();
  await running;
  await owner.close();
  const [span] = named("warden incr");
  assert.equal(span.attributes["warden.aborted"], "queued");
  assert.deepEqual(span.status, {
    code: SpanStatusCode.ERROR,
    message: "user left",
  });
});

test("otelInspector(): 200 concurrent commands from 20 caller spans give 200 spans, each the child of its own caller", async () => {
  const { tracer, named } = sdk();
  const store = new Store<number, number>([], {
    inspect: otelInspector(tracer),
  });
  await Promise.all(
    Array.from(
      { length: 20 },
      (_, caller) =>
        within(tracer, `caller ${caller}`, (span) => {
          span.setAttribute("caller", caller);
          return Promise.all(
            Array.from(
              { length: 10 },
              (_, i) => store.update(i, (v = 0) => v + 1),
            ),
          );
        }),
    ),
  );
  await store.close();
  const commands = named("warden update");
  assert.equal(commands.length, 200);
  assert.deepEqual(
    commands.map((s) => s.attributes["warden.command_id"]).sort((a, b) =>
      Number(a) - Number(b)
    ),
    Array.from({ length: 200 }, (_, i) => i + 1),
  );
  for (let caller = 0; caller < 20; caller++) {
    const [parent] = named(`caller ${caller}`);
    const children = commands.filter((s) =>
      s.parentSpanContext?.spanId === parent.spanContext().spanId
    );
    assert.equal(children.length, 10, `caller ${caller}`);
    for (const child of children) {
      assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
    }
  }
});

test("otelInspector(): a Machine's transitions and refused events become span events", async () => {
  const { tracer, named } = sdk();
  const machine = new Machine({
    initial: "idle",
    states: { idle: { on: { start: "running" } }, running: {} },
  }, { inspect: otelInspector(tracer) });
  assert.equal(await machine.send("start"), "running");
  await assert.rejects(machine.send("start"), TransitionError);
  await machine.close();
  const [moved, refused] = named("warden send");
  const events = (s: ReadableSpan) =>
    s.events.filter((e) =>
      e.name.startsWith("warden.") && e.name !== "warden.started"
    )
      .map((e) => [e.name, e.attributes]);
  assert.deepEqual(events(moved), [["warden.transition", {
    "warden.from": "idle",
    "warden.event": "start",
    "warden.to": "running",
  }]]);
  assert.equal(moved.status.code, SpanStatusCode.UNSET);
  assert.deepEqual(events(refused), [["warden.event_refused", {
    "warden.from": "running",
    "warden.event": "start",
    "warden.error": "TransitionError",
  }]]);
  assert.equal(refused.status.code, SpanStatusCode.ERROR);
  assert.equal(exceptions(refused)[0].type, "TransitionError");
});

test("otelInspector(): one inspector on two owners keeps their commands apart (same command ids)", async () => {
  const { tracer, spans } = sdk();
  const inspect = otelInspector(tracer);
  const gate = deferred();
  const a = new Owner({}, { wait: () => gate.promise }, { inspect });
  const b = new Owner({}, { wait: () => gate.promise }, { inspect });
  const both = Promise.all([
    within(tracer, "a", () => a.ask("wait")),
    within(tracer, "b", () => b.ask("wait")),
  ]);
  gate.resolve();
  await both;
  await a.close();
  await b.close();
  const byName = new Map(spans().map((s) => [s.spanContext().spanId, s.name]));
  const commands = spans().filter((s) => s.name === "warden wait");
  assert.equal(commands.length, 2);
  assert.deepEqual(
    commands.map((s) => [
      s.attributes["warden.command_id"],
      byName.get(s.parentSpanContext?.spanId ?? ""),
    ]).sort(),
    [[1, "a"], [1, "b"]],
  );
});

test("otelInspector(): a custom spanName; a tracer without startSpan() is a TypeError", () => {
  const { tracer, spans } = sdk();
  const inspect = otelInspector(tracer, {
    spanName: (op, owner) => `${owner}.${op}`,
  });
  inspect({
    type: "accepted",
    owner: "Store",
    ownerId: 1,
    id: 1,
    op: "get",
    at: 0,
    queued: 0,
  });
  inspect({
    type: "settled",
    owner: "Store",
    ownerId: 1,
    id: 1,
    op: "get",
    at: 0,
    outcome: "fulfilled",
    ran: 0,
  });
  assert.deepEqual(spans().map((s) => s.name), ["Store.get"]);
  assert.throws(
    // @ts-expect-error: not a tracer
    () => otelInspector({}),
    new TypeError(
      "Cannot create an OpenTelemetry inspector: the tracer has no startSpan(), received an object",
    ),
  );
  assert.throws(
    // @ts-expect-error: not a function
    () => otelInspector(tracer, { spanName: "x" }),
    TypeError,
  );
});

test("otelCarrier(): carry() writes the active span as traceparent; enter() makes it the parent of spans started inside", async () => {
  const { tracer, named } = sdk();
  const { carry, enter } = otelCarrier({ context, propagation });
  assert.equal(carry(), undefined, "no active span, nothing to carry");
  const carried = await within(tracer, "client", async () => carry());
  const [client] = named("client");
  const { traceId, spanId } = client.spanContext();
  assert.deepEqual(carried, { traceparent: `00-${traceId}-${spanId}-01` });
  const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n }, {
    inspect: otelInspector(tracer),
  });
  assert.equal(await enter(carried!, () => owner.ask("incr")), 1);
  await owner.close();
  const [command] = named("warden incr");
  assert.equal(command.spanContext().traceId, traceId);
  assert.equal(command.parentSpanContext?.spanId, spanId);
  // A malformed traceparent is ignored: the command's span is a root.
  const plain = new Owner({}, { ping: () => "pong" }, {
    inspect: otelInspector(tracer),
  });
  assert.equal(
    await enter({ traceparent: "nonsense" }, () => plain.ask("ping")),
    "pong",
  );
  await plain.close();
  for (const span of named("warden ping")) {
    assert.equal(span.parentSpanContext, undefined);
  }
  assert.equal(trace.getActiveSpan(), undefined);
});

test("otelCarrier(): options without context or propagation APIs are a TypeError", () => {
  assert.throws(
    // @ts-expect-error: no propagation
    () => otelCarrier({ context }),
    new TypeError(
      "Cannot create an OpenTelemetry carrier: options.propagation must have inject() and extract(), received undefined",
    ),
  );
  assert.throws(
    // @ts-expect-error: no options
    () => otelCarrier(),
    TypeError,
  );
});

test("otelInspector(): a command that times out while running keeps its span open, with error status, until its handler settles", async () => {
  const { tracer, named } = sdk();
  const time = clock();
  const gate = deferred();
  const owner = new Owner({ n: 0 }, {
    slow: async (s) => {
      await gate.promise;
      return ++s.n;
    },
  }, { inspect: otelInspector(tracer), clock: time });
  const late = owner.with({ timeout: 50 }).ask("slow");
  time.advance(50);
  await assert.rejects(late, TimeoutError);
  assert.deepEqual(named("warden slow"), [], "still running: not ended");
  time.advance(30);
  gate.resolve();
  await owner.close();
  const [span] = named("warden slow");
  assert.equal(span.attributes["warden.timed_out"], "running");
  assert.equal(span.attributes["warden.run_ms"], 80);
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.match(
    span.status.message ?? "",
    /timed out after 50 ms while running/,
  );
});

test("otelInspector(): a handler reported stuck by handlerTimeout ends its span with error status; the next command gets its own span", async () => {
  const { tracer, named } = sdk();
  const time = clock();
  const errors: unknown[] = [];
  const owner = new Owner({ n: 0 }, {
    hang: () => new Promise<never>(() => {}),
    incr: (s) => ++s.n,
  }, {
    inspect: otelInspector(tracer),
    clock: time,
    handlerTimeout: 100,
    onError: (e) => errors.push(e),
  });
  const hung = owner.ask("hang");
  const next = owner.ask("incr");
  time.advance(100);
  await assert.rejects(hung, TimeoutError);
  assert.equal(await next, 1);
  await owner.close();
  const [span] = named("warden hang");
  assert.equal(span.attributes["warden.run_ms"], 100);
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.match(span.status.message ?? "", /stuck/);
  const [incr] = named("warden incr");
  assert.equal(incr.status.code, SpanStatusCode.UNSET);
  assert.equal(incr.attributes["warden.queue_wait_ms"], 100);
  assert.equal(errors.length, 1);
});

test("otelInspector(): a Machine's state timeout (after) gets a span `warden after` with its transition", async () => {
  const { tracer, named } = sdk();
  const time = clock();
  const machine = new Machine({
    initial: "idle",
    states: {
      idle: { on: { start: "waiting" } },
      waiting: { after: { 1000: "idle" } },
    },
  }, { inspect: otelInspector(tracer), clock: time });
  await machine.send("start");
  time.advance(1000);
  assert.equal(await machine.state(), "idle");
  await machine.close();
  const [after] = named("warden after");
  assert.ok(after, "a span for the state timeout");
  assert.equal(after.attributes["warden.owner"], "Machine");
  assert.deepEqual(
    after.events.filter((e) => e.name === "warden.transition").map((e) =>
      e.attributes
    ),
    [{
      "warden.from": "waiting",
      "warden.event": "after:1000",
      "warden.to": "idle",
    }],
  );
  assert.equal(after.status.code, SpanStatusCode.UNSET);
});

test("otelInspector(): options.context decides the parent: its active() is read when the command is accepted", async () => {
  const { tracer, named } = sdk();
  const parent = tracer.startSpan("chosen parent");
  const chosen = trace.setSpan(context.active(), parent);
  let reads = 0;
  const owner = new Owner({ n: 0 }, { incr: (s) => ++s.n }, {
    inspect: otelInspector(tracer, {
      context: {
        active: () => (reads++, chosen),
        with: (ctx, fn) => context.with(ctx, fn),
      },
    }),
  });
  await within(tracer, "ambient", () => owner.ask("incr"));
  parent.end();
  await owner.close();
  const [command] = named("warden incr");
  assert.equal(reads, 1);
  assert.equal(command.parentSpanContext?.spanId, parent.spanContext().spanId);
});

test("otelInspector(): a rejection with a value that is not an Error is recorded as its string", async () => {
  const { tracer, spans } = sdk();
  const owner = new Owner({}, {
    fail: () => Promise.reject("plain reason"),
  }, { inspect: otelInspector(tracer) });
  await assert.rejects(owner.ask("fail"), (e) => e === "plain reason");
  await owner.close();
  const [span] = spans();
  assert.deepEqual(span.status, {
    code: SpanStatusCode.ERROR,
    message: "plain reason",
  });
  assert.deepEqual(exceptions(span), [{
    type: undefined,
    message: "plain reason",
  }]);
});
