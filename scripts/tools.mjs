// Test and dev tools that are not dependencies of the root package, because
// they declare a newer Node than the one the project supports (installing
// them on Node 20 prints an engine warning per package): each has its own
// folder tools/<name>/ with a package.json and a lockfile, and is installed
// on first use (`npm ci`), again whenever its lockfile changes.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Installs tools/<name>/ from its lockfile if it is not installed yet (or
 * its lockfile changed), and returns its node_modules folder. `env` is the
 * environment npm runs in (e.g. a PATH with Node 22 first).
 */
export function ensureTool(name, env = process.env) {
  const folder = join(root, "tools", name);
  const lock = readFileSync(join(folder, "package-lock.json"), "utf8");
  const modules = join(folder, "node_modules");
  const stamp = join(modules, ".installed-lock.json");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== lock) {
    process.stderr.write(`installing tools/${name} (npm ci)\n`);
    execFileSync("npm", [
      "ci",
      "--prefix",
      folder,
      "--no-fund",
      "--no-audit",
      "--loglevel=error",
    ], { stdio: ["ignore", "ignore", "inherit"], env });
    writeFileSync(stamp, lock);
  }
  return modules;
}
