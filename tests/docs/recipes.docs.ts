/**
 * The threads recipes of docs/threads.md, run exactly as printed.
 *
 * Every code block preceded by `<!-- recipe: <dir>/<file> -->` is written to
 * <dir>/<file> in a fresh temporary folder; every `sh` block preceded by
 * `<!-- recipe-run: <runtime> -->` is run there line by line, but for its
 * install line (`npm install`, `deno add`, `bun add`: offline, this test maps
 * `@warden/core` to this checkout instead, through a tsconfig.json `paths`
 * for esbuild and Bun, a deno.json `imports` for Deno). Each recipe is
 * type-checked first (tsc for Node, `deno check` for the web one). The last
 * command must print `count: 4000` and exit 0 within the time limit: a
 * program that never exits fails here.
 *
 *   node --import tsx --test tests/docs/recipes.docs.ts
 */
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import test from "node:test";
import assert from "node:assert/strict";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "node_modules", ".bin");
const page = readFileSync(join(root, "docs", "threads.md"), "utf8");

/** The blocks that follow each `<!-- <kind>: <name> -->` marker. */
function blocks(kind: string): Map<string, string> {
  const found = new Map<string, string>();
  const marker = new RegExp(
    `<!-- ${kind}: (\\S+) -->\\s*\\n\`\`\`[^\\n]*\\n([\\s\\S]*?)\\n\`\`\`\\n`,
    "g",
  );
  for (const [, name, body] of page.matchAll(marker)) {
    found.set(name!, body! + "\n");
  }
  return found;
}

const files = blocks("recipe");
const runs = blocks("recipe-run");
const INSTALL = /^(npm install|deno add|bun add) /;
const paths = {
  "@warden/core": [join(root, "mod.ts")],
  "@warden/core/workers": [join(root, "src", "workers", "mod.ts")],
};
const env = {
  ...process.env,
  PATH: bin + delimiter + process.env.PATH,
  NO_COLOR: "1",
};

/** A fresh folder holding the files of one recipe directory. */
function folder(dir: string): string {
  const at = mkdtempSync(join(tmpdir(), `warden-recipe-${dir}-`));
  let count = 0;
  for (const [name, body] of files) {
    if (!name.startsWith(dir + "/")) continue;
    const path = join(at, name.slice(dir.length + 1));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
    count++;
  }
  assert.ok(count >= 2, `docs/threads.md has no files for ${dir}/`);
  return at;
}

function tsconfig(at: string, extra: Record<string, unknown>): void {
  writeFileSync(
    join(at, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        lib: ["ES2022", "ESNext.Disposable", "WebWorker"],
        paths,
        ...extra,
      },
    }),
  );
}

function sh(at: string, line: string, timeout = 60_000) {
  return spawnSync("sh", ["-c", line], {
    cwd: at,
    env,
    encoding: "utf8",
    timeout,
  });
}

/** Runs the printed commands of one recipe; returns the last one's result. */
function run(at: string, runtime: string) {
  const script = runs.get(runtime);
  assert.ok(script, `docs/threads.md has no recipe-run block for ${runtime}`);
  const lines = script.split("\n").map((l) => l.trim()).filter(Boolean);
  assert.match(lines[0]!, INSTALL, "the first command installs the package");
  let last;
  for (const line of lines.slice(1)) {
    last = sh(at, line);
    assert.equal(
      last.status,
      0,
      `${line} (${
        last.signal ?? "exit " + last.status
      }):\n${last.stdout}${last.stderr}`,
    );
  }
  return last!;
}

test("docs/threads.md, Node: the worker_threads recipe builds, prints count: 4000 and exits", () => {
  const at = folder("node");
  try {
    writeFileSync(join(at, "package.json"), '{ "type": "module" }\n');
    symlinkSync(join(root, "node_modules"), join(at, "node_modules"), "dir");
    tsconfig(at, { types: ["node"] });
    const check = sh(at, `tsc -p .`);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const last = run(at, "node");
    assert.equal(last.stdout, "count: 4000\n");
  } finally {
    rmSync(at, { recursive: true, force: true });
  }
});

test("docs/threads.md, Deno: the web Worker recipe type-checks, prints count: 4000 and exits", () => {
  const at = folder("web");
  try {
    const imports = Object.fromEntries(
      Object.entries(paths).map(([k, [v]]) => [k, v]),
    );
    writeFileSync(join(at, "deno.json"), JSON.stringify({ imports }));
    const check = sh(at, `deno check main.ts worker.ts`);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const last = run(at, "deno");
    assert.equal(last.stdout, "count: 4000\n");
  } finally {
    rmSync(at, { recursive: true, force: true });
  }
});

test("docs/threads.md, Bun: the web Worker recipe prints count: 4000 and exits", () => {
  const at = folder("web");
  try {
    tsconfig(at, { module: "ESNext", moduleResolution: "bundler" });
    const last = run(at, "bun");
    assert.equal(last.stdout, "count: 4000\n");
  } finally {
    rmSync(at, { recursive: true, force: true });
  }
});
