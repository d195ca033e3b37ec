// OpenTelemetry across a thread boundary: the client (this thread) sends
// commands with connect(..., { carry }) from inside its own span; the owning
// thread (tests/fixtures/otel_worker.ts) serves its Owner with
// serve(..., { enter }) and an otelInspector. The owning thread's command
// span must be a child of the client's span: same trace id, parent span id
// = the client span's id. Spans on both sides are read from the real SDK's
// InMemorySpanExporter. The worker is Node's worker_threads on Node, a web
// Worker on Deno and Bun.
import { test } from "node:test";
import assert from "node:assert/strict";
import { context, propagation } from "@opentelemetry/api";
import { otelCarrier } from "../src/otel/mod.ts";
import { connect, type Endpoint } from "../src/workers/mod.ts";
import { sdk, type SpanRecord } from "./fixtures/otel_sdk.ts";
import type { OtelCounter } from "./fixtures/otel_worker.ts";
import { startWorker } from "./_workers.ts";

const fixture = new URL("./fixtures/otel_worker.ts", import.meta.url);

interface Note {
  otel: string;
  spans?: SpanRecord[];
}

/**
 * The owning thread: a Web Worker where the runtime has one, else Node's
 * (tests/_workers.ts).
 */
async function spawn(): Promise<{
  endpoint: Endpoint;
  next(kind: string): Promise<Note>;
  post(note: Note): void;
  terminate(): Promise<void>;
}> {
  const inbox: Note[] = [];
  const waiting: { kind: string; resolve(note: Note): void }[] = [];
  let failure: unknown;
  const failed: ((e: unknown) => void)[] = [];
  const receive = (data: unknown) => {
    const note = data as Note;
    if (typeof note?.otel !== "string") return; // serve()/connect() traffic
    const i = waiting.findIndex((w) => w.kind === note.otel);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(note);
    else inbox.push(note);
  };
  const fail = (error: unknown) => {
    failure = error;
    for (const reject of failed.splice(0)) reject(error);
  };
  const next = (kind: string) => {
    if (failure !== undefined) return Promise.reject(failure);
    const i = inbox.findIndex((n) => n.otel === kind);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
    return new Promise<Note>((resolve, reject) => {
      waiting.push({ kind, resolve });
      failed.push(reject);
    });
  };
  const worker = await startWorker(fixture, {
    onMessage: receive,
    onError: fail,
  });
  return { ...worker, next };
}

test("otelCarrier() across serve()/connect(): the owning thread's command span is a child of the client's span (same trace, parent = the client span)", async () => {
  const { tracer, named } = sdk("client-thread");
  const worker = await spawn();
  try {
    await worker.next("ready");
    const { carry } = otelCarrier({ context, propagation });
    const remote = connect<OtelCounter>(worker.endpoint, {
      name: "counter",
      carry,
    });
    const inside = await tracer.startActiveSpan("client", async (span) => {
      try {
        return await remote.ask("incr");
      } finally {
        span.end();
      }
    });
    assert.equal(inside, 1);
    assert.equal(await remote.ask("incr"), 2, "outside any span");
    await remote.close();

    worker.post({ otel: "spans" });
    const { spans = [] } = await worker.next("spans");
    const [client] = named("client");
    const commands = spans.filter((s) => s.name === "warden incr");
    assert.equal(commands.length, 2);
    const [carried, plain] = commands.sort((a, b) =>
      Number(a.attributes["warden.command_id"]) -
      Number(b.attributes["warden.command_id"])
    );
    assert.equal(carried.traceId, client.spanContext().traceId);
    assert.equal(carried.parentSpanId, client.spanContext().spanId);
    assert.equal(carried.attributes["warden.op"], "incr");
    assert.equal(carried.attributes["warden.owner"], "Owner");
    // Nothing was active on the client: nothing carried, a root span there.
    assert.equal(plain.parentSpanId, undefined);
    assert.notEqual(plain.traceId, client.spanContext().traceId);
  } finally {
    await worker.terminate();
  }
});
