#!/usr/bin/env node
// Checks Stryker's verdicts by hand, one mutant at a time:
//
//   node scripts/mutation_verify.mjs <report.json> <src file> <statuses> [seconds]
//
// e.g. `node scripts/mutation_verify.mjs reports/mutation/mutation.json
// src/core/engine.ts Survived,Timeout 120`. For each mutant of
// <src file> whose status is one of <statuses> (comma-separated: Survived,
// Timeout, NoCoverage…), it writes the mutated file in place, runs the test
// files that cover the mutant (`node --import tsx --test`, 15 s per test,
// <seconds> for the whole run, default 90) and prints one line: KILLED (a
// test failed), KILLED(test-timeout) (a test hung), HANG (the run passed
// the limit) or SURVIVED (every test green: for a Timeout, a false one). The
// file is restored at the end, also on an error. Run it on a checkout you do
// not edit meanwhile (a `git worktree`): it rewrites the source file. The
// report must be of the same source (it checks).
import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import process from "node:process";

const [json, file, statuses, limit = "90"] = process.argv.slice(2);
if (json === undefined || file === undefined || statuses === undefined) {
  process.stderr.write(
    "usage: node scripts/mutation_verify.mjs <report.json> <src file> <statuses> [seconds]\n",
  );
  process.exit(2);
}
const report = JSON.parse(readFileSync(json, "utf8"));
const entry = report.files[file];
if (entry === undefined) {
  process.stderr.write(`${file} is not in ${json}\n`);
  process.exit(2);
}
const source = entry.source;
if (readFileSync(file, "utf8") !== source) {
  process.stderr.write(`${file} differs from the source in ${json}\n`);
  process.exit(2);
}
const lines = source.split("\n");
const offsets = [0];
for (const line of lines) {
  offsets.push(offsets[offsets.length - 1] + line.length + 1);
}
const at = (p) => offsets[p.line - 1] + p.column - 1;
const fileOf = new Map();
for (const [name, t] of Object.entries(report.testFiles)) {
  for (const test of t.tests) fileOf.set(test.id, name);
}
const wanted = new Set(statuses.split(","));
try {
  for (const m of entry.mutants) {
    if (!wanted.has(m.status)) continue;
    const start = at(m.location.start);
    const end = at(m.location.end);
    writeFileSync(
      file,
      source.slice(0, start) + m.replacement + source.slice(end),
    );
    const files = [...new Set((m.coveredBy ?? []).map((id) => fileOf.get(id)))]
      .filter((name) => name !== undefined);
    const began = Date.now();
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "--test", "--test-timeout=15000", ...files],
      { timeout: Number(limit) * 1000, encoding: "utf8" },
    );
    const seconds = ((Date.now() - began) / 1000).toFixed(0);
    const hung = /test timed out after/.test(run.stdout ?? "");
    const verdict = run.error?.code === "ETIMEDOUT" || run.signal
      ? "HANG"
      : run.status === 0
      ? "SURVIVED"
      : hung
      ? "KILLED(test-timeout)"
      : "KILLED";
    const { line, column } = m.location.start;
    console.log(
      `${verdict} ${m.status} ${line}:${column} ${m.mutatorName} -> ${
        JSON.stringify(m.replacement).slice(0, 70)
      } | ${
        lines[line - 1].trim().slice(0, 80)
      } (${files.length} files, ${seconds} s)`,
    );
  }
} finally {
  writeFileSync(file, source);
}
