/**
 * The README's quick start, run as the README says: saved as quickstart.ts
 * and started with `npx tsx quickstart.ts`, `deno run quickstart.ts` and
 * `bun quickstart.ts`, each of which must print what its comments say.
 * `@warden/core` is mapped to this checkout (tsconfig.json `paths` for tsx
 * and Bun, deno.json `imports` for Deno). `deno test --doc README.md` also
 * runs the block, but cannot see what it prints.
 *
 *   node --import tsx --test tests/docs/readme.docs.ts
 */
import { spawnSync } from "node:child_process";
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import test from "node:test";
import assert from "node:assert/strict";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const quickstart = /<!-- quickstart -->\s*\n```ts\n([\s\S]*?)\n```\n/.exec(
  readme,
)?.[1];
const EXPECTED = "value: 42\nfulfilled rejected\n";

test("README: the quick start's comments say what it prints", () => {
  assert.ok(quickstart, "README.md has no <!-- quickstart --> ts block");
  const printed = [...quickstart.matchAll(/console\.log\(.*\/\/ (.*)$/gm)]
    .map(([, comment]) => comment + "\n").join("");
  assert.equal(printed, EXPECTED);
});

for (
  const [runtime, command] of [
    ["Node (tsx)", "npx tsx quickstart.ts"],
    ["Deno", "deno run quickstart.ts"],
    ["Bun", "bun quickstart.ts"],
  ] as const
) {
  test(`README: the quick start runs on ${runtime} as printed: ${command}`, () => {
    assert.ok(quickstart, "README.md has no <!-- quickstart --> ts block");
    assert.ok(
      readme.includes("`" + command + "`"),
      `README does not say ${command}`,
    );
    const at = mkdtempSync(join(tmpdir(), "warden-quickstart-"));
    try {
      writeFileSync(join(at, "quickstart.ts"), quickstart + "\n");
      writeFileSync(join(at, "package.json"), '{ "type": "module" }\n');
      symlinkSync(join(root, "node_modules"), join(at, "node_modules"), "dir");
      writeFileSync(
        join(at, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            paths: { "@warden/core": [join(root, "mod.ts")] },
          },
        }),
      );
      writeFileSync(
        join(at, "deno.json"),
        JSON.stringify({ imports: { "@warden/core": join(root, "mod.ts") } }),
      );
      const run = spawnSync("sh", ["-c", command], {
        cwd: at,
        encoding: "utf8",
        timeout: 60_000,
        env: {
          ...process.env,
          NO_COLOR: "1",
          PATH: join(root, "node_modules", ".bin") + delimiter +
            process.env.PATH,
        },
      });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.equal(run.stdout, EXPECTED);
    } finally {
      rmSync(at, { recursive: true, force: true });
    }
  });
}
