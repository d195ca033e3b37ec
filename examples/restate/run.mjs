#!/usr/bin/env node
// One command: `node examples/restate/run.mjs` (or `npm run example:restate`).
// Starts a real restate-server (temp base-dir, loopback ports), the service on
// Node 22 (scripts/node_lines.mjs), registers it, runs client.ts, stops both.
// As root on Linux it first moves into a network namespace with only
// loopback, so nothing reaches off the machine (the server looks up a
// version-check host at start).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");

if (
  process.platform === "linux" && process.getuid?.() === 0 &&
  !process.env.WARDEN_NETNS
) {
  const child = spawn("unshare", [
    "-n",
    "sh",
    "-c",
    `ip link set lo up && exec "${process.execPath}" "${
      fileURLToPath(import.meta.url)
    }"`,
  ], { stdio: "inherit", env: { ...process.env, WARDEN_NETNS: "1" } });
  child.on("exit", (code) => process.exit(code ?? 1));
} else {
  await main();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function until(what, check) {
  for (let i = 0; i < 300; i++) {
    try {
      if (await check()) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

async function main() {
  const base = mkdtempSync(join(tmpdir(), "warden-restate-example-"));
  const [node, ingress, admin, service] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  writeFileSync(
    join(base, "restate.toml"),
    `node-name = "example"\nbase-dir = "${base}/data"\nlisten-mode = "tcp"\nbind-ip = "127.0.0.1"\nbind-port = ${node}\ndisable-telemetry = true\n[ingress]\nbind-port = ${ingress}\n[admin]\nbind-port = ${admin}\n`,
  );
  const children = [];
  const stop = () => {
    for (const child of children) {
      if (child.exitCode === null) process.kill(child.pid, "SIGKILL");
    }
    rmSync(base, { recursive: true, force: true });
  };
  try {
    const server = spawn(
      join(
        root,
        "node_modules/@restatedev/restate-server-linux-x64/bin/restate-server",
      ),
      ["--no-logo", "-c", join(base, "restate.toml")],
      { stdio: "ignore", env: { ...process.env, RESTATE_LOG_FILTER: "warn" } },
    );
    children.push(server);
    await until(
      "restate-server",
      async () => (await fetch(`http://127.0.0.1:${admin}/health`)).ok,
    );
    const node22 = execFileSync(process.execPath, [
      join(root, "scripts/node_lines.mjs"),
      "path",
      "22",
    ], {
      encoding: "utf8",
    }).trim();
    const svc = spawn(node22, ["--import", "tsx", join(here, "service.ts")], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, PORT: String(service), RESTATE_LOGGING: "WARN" },
    });
    children.push(svc);
    await until(
      "registration",
      async () =>
        (await fetch(`http://127.0.0.1:${admin}/deployments`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            uri: `http://127.0.0.1:${service}`,
            force: true,
          }),
        })).ok,
    );
    execFileSync(
      process.execPath,
      ["--import", "tsx", join(here, "client.ts")],
      {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, INGRESS: `http://127.0.0.1:${ingress}` },
      },
    );
  } finally {
    stop();
  }
}
