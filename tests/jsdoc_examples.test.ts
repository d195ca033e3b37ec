// JSDoc @examples run on every runtime, Node 20 included (`deno test --doc`
// runs them on Deno): none may call what Node 20 lacks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith(".ts")
      ? [join(dir, e.name)]
      : []
  );
}

/** The code of every ```ts block inside a JSDoc comment of `text`. */
function examples(text: string): string[] {
  const blocks: string[] = [];
  for (const doc of text.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
    const lines = doc.split("\n").map((l) => l.replace(/^\s*\* ?/, ""));
    let block: string[] | undefined;
    for (const line of lines) {
      if (block === undefined && /^```ts/.test(line)) block = [];
      else if (block !== undefined && line.startsWith("```")) {
        blocks.push(block.join("\n"));
        block = undefined;
      } else block?.push(line);
    }
  }
  return blocks;
}

// Node 20 has neither; they would fail there, silently for the docs' reader.
const missingOnNode20 = ["Array.fromAsync", "Promise.withResolvers"];

test("JSDoc examples in src/ and mod.ts use nothing Node 20 lacks (Array.fromAsync, Promise.withResolvers)", () => {
  const found: string[] = [];
  let count = 0;
  for (const file of ["mod.ts", ...sources("src")]) {
    for (const code of examples(readFileSync(join(root, file), "utf8"))) {
      count++;
      for (const name of missingOnNode20) {
        if (code.includes(name)) found.push(`${file}: ${name}`);
      }
    }
  }
  assert.ok(count > 20, `found only ${count} examples: the scan is broken`);
  assert.deepEqual(found, []);
});
