// The npm package as a user gets it: `npm pack`, unpacked into a scratch
// node_modules, then type-checked by tsc (nodenext and bundler resolution,
// no skipLibCheck) and imported by Node, Bun and Deno.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsc = join(root, "node_modules/typescript/bin/tsc");

const consumer = `
import { Machine, Store, TransitionError } from "@warden/core";
import { shardOf, type DurableNamespace } from "@warden/core/durable";
import { otelInspector, type Span, type Tracer } from "@warden/core/otel";

// A tracer of the OpenTelemetry API's shape, without the API.
const spans: string[] = [];
const span: Span = {
  setAttribute: () => span,
  addEvent: () => span,
  setStatus: () => span,
  recordException() {},
  end() {},
};
const tracer: Tracer = {
  startSpan(name) {
    spans.push(name);
    return span;
  },
};
const store = new Store<number, number>(null, { inspect: otelInspector(tracer) });
await store.set(1, 42);
const value: number | undefined = await store.get(1);

const conn = new Machine({
  initial: "idle",
  states: { idle: { on: { send: "inflight" } }, inflight: { on: { done: "idle" } } },
});
const state: "idle" | "inflight" = await conn.send("send");
const refused = await conn.send("send").catch((error: unknown) => error);
const namespace: DurableNamespace | undefined = undefined;
console.log(JSON.stringify({
  value,
  state,
  refused: refused instanceof TransitionError ? [refused.from, refused.event] : null,
  shard: typeof shardOf("key", 4),
  namespace: namespace ?? null,
  spans,
}));
`;

test("npm pack ships only dist/, README.md, LICENSE and package.json; Node, Bun and Deno run the packed module", async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), "warden-pack-"));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));

  const [packed] = JSON.parse(execFileSync(
    "npm",
    ["pack", "--json", "--pack-destination", scratch],
    { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  ));
  const files = packed.files.map((file) => file.path);
  assert.deepEqual(
    files.filter((path) => !path.startsWith("dist/")).sort(),
    ["LICENSE", "README.md", "package.json"],
  );
  for (
    const path of [
      "dist/mod.js",
      "dist/mod.d.ts",
      "dist/durable.js",
      "dist/src/durable/mod.d.ts",
      "dist/otel.js",
      "dist/src/otel/mod.d.ts",
    ]
  ) {
    assert.ok(files.includes(path), `${path} is packed`);
  }

  const installed = join(scratch, "node_modules/@warden/core");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", [
    "-xzf",
    join(scratch, packed.filename),
    "-C",
    installed,
    "--strip-components=1",
  ]);

  writeFileSync(
    join(scratch, "package.json"),
    JSON.stringify({ type: "module" }),
  );
  writeFileSync(join(scratch, "consumer.ts"), consumer);
  for (const resolution of [["nodenext", "nodenext"], ["esnext", "bundler"]]) {
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: resolution[0],
          moduleResolution: resolution[1],
          lib: ["ES2022", "DOM"],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ["consumer.ts"],
      }),
    );
    execFileSync(process.execPath, [tsc, "-p", scratch], {
      cwd: scratch,
      encoding: "utf8",
    });
  }

  // Node, Bun and Deno run the same program (types stripped by esbuild),
  // each resolving "@warden/core" from the scratch node_modules.
  const { transformSync } = await import("esbuild");
  writeFileSync(
    join(scratch, "consumer.mjs"),
    transformSync(consumer, { loader: "ts" }).code,
  );
  const bin = (name) => join(root, "node_modules/.bin", name);
  const runtimes = {
    node: [process.execPath, ["consumer.mjs"]],
    bun: [bin("bun"), ["consumer.mjs"]],
    deno: [bin("deno"), ["run", "--node-modules-dir=manual", "consumer.mjs"]],
  };
  for (const [runtime, [command, args]] of Object.entries(runtimes)) {
    const output = execFileSync(command, args, {
      cwd: scratch,
      encoding: "utf8",
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
    });
    assert.deepEqual(JSON.parse(output), {
      value: 42,
      state: "inflight",
      refused: ["inflight", "send"],
      shard: "number",
      namespace: null,
      spans: ["warden set", "warden get"],
    }, runtime);
  }
});
