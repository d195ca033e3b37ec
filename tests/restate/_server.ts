// Test harness: a real restate-server on loopback ports in a temp base-dir,
// and service processes on Node 22+ (or Bun, Deno). Every process is started
// and stopped here, by pid; nothing is left running.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root: string = join(
  dirname(fileURLToPath(import.meta.url)),
  "../..",
);
const binary = join(
  root,
  "node_modules/@restatedev/restate-server-linux-x64/bin/restate-server",
);

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    process.kill(child.pid!, signal);
  });
}

/** One restate-server node. */
export class RestateNode {
  readonly baseDir: string;
  readonly ingress: string;
  readonly admin: string;
  readonly nodePort: number;
  readonly #config: string;
  #child: ChildProcess | undefined;
  log = "";

  constructor(
    baseDir: string,
    ports: { node: number; ingress: number; admin: number },
    extra = "",
    name = "n1",
  ) {
    this.baseDir = baseDir;
    this.nodePort = ports.node;
    this.ingress = `http://127.0.0.1:${ports.ingress}`;
    this.admin = `http://127.0.0.1:${ports.admin}`;
    this.#config = join(baseDir, `${name}.toml`);
    writeFileSync(
      this.#config,
      [
        `node-name = "${name}"`,
        `base-dir = "${join(baseDir, name)}"`,
        `listen-mode = "tcp"`,
        `bind-ip = "127.0.0.1"`,
        `bind-port = ${ports.node}`,
        `disable-telemetry = true`,
        extra,
        `[ingress]`,
        `bind-port = ${ports.ingress}`,
        `[admin]`,
        `bind-port = ${ports.admin}`,
        ``,
      ].join("\n"),
    );
  }

  /** Starts the binary; waits for `healthy` unless told otherwise. */
  async start({ wait = true } = {}): Promise<void> {
    const child = spawn(binary, ["--no-logo", "-c", this.#config], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, RESTATE_LOG_FILTER: "warn" },
    });
    child.stdout!.on("data", (d) => this.log = (this.log + d).slice(-20_000));
    child.stderr!.on("data", (d) => this.log = (this.log + d).slice(-20_000));
    this.#child = child;
    if (wait) await this.healthy();
  }

  /** Waits until admin and ingress answer. */
  async healthy(ms = 60_000): Promise<void> {
    await waitFor(
      "restate-server health",
      async () =>
        (await fetch(`${this.admin}/health`)).ok &&
        (await fetch(`${this.ingress}/restate/health`)).ok,
      ms,
    );
  }

  /** `kill -9`. */
  kill9(): Promise<void> {
    return this.#child
      ? stopProcess(this.#child, "SIGKILL")
      : Promise.resolve();
  }

  /** A clean stop. */
  stop(): Promise<void> {
    return this.#child
      ? stopProcess(this.#child, "SIGTERM")
      : Promise.resolve();
  }

  /** Registers (or re-registers) a deployment. */
  async register(uri: string, { http11 = false } = {}): Promise<void> {
    await waitFor("deployment registration", async () => {
      const response = await fetch(`${this.admin}/deployments`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ uri, force: true, use_http_11: http11 }),
      });
      const text = await response.text();
      if (!response.ok) this.log += `\nregister: ${response.status} ${text}`;
      return response.ok;
    });
  }
}

/** A single node in a fresh temp base-dir. */
export async function startServer(): Promise<
  RestateNode & AsyncDisposable
> {
  const baseDir = mkdtempSync(join(tmpdir(), "warden-restate-"));
  const node = new RestateNode(baseDir, {
    node: await freePort(),
    ingress: await freePort(),
    admin: await freePort(),
  });
  await node.start();
  return Object.assign(node, {
    async [Symbol.asyncDispose]() {
      await node.kill9();
      rmSync(baseDir, { recursive: true, force: true });
    },
  });
}

export type Runtime = "node22" | "node24" | "bun" | "deno";

function runtimeCommand(runtime: Runtime, file: string): [string, string[]] {
  switch (runtime) {
    case "node22":
    case "node24": {
      const bin = execFileSync(process.execPath, [
        join(root, "scripts/node_lines.mjs"),
        "path",
        runtime.slice(4),
      ], { encoding: "utf8" }).trim();
      return [bin, ["--import", "tsx", file]];
    }
    case "bun":
      return [join(root, "node_modules/.bin/bun"), ["run", file]];
    case "deno":
      return [join(root, "node_modules/.bin/deno"), ["run", "-A", file]];
  }
}

/** A service process: `file` must listen on env PORT and print "listening". */
export class Service {
  readonly port: number;
  readonly uri: string;
  readonly #runtime: Runtime;
  readonly #file: string;
  readonly #env: Record<string, string>;
  #child: ChildProcess | undefined;
  log = "";

  constructor(
    port: number,
    runtime: Runtime,
    file: string,
    env: Record<string, string>,
  ) {
    this.port = port;
    this.uri = `http://127.0.0.1:${port}`;
    this.#runtime = runtime;
    this.#file = file;
    this.#env = env;
  }

  async start(): Promise<void> {
    const [bin, args] = runtimeCommand(this.#runtime, this.#file);
    const child = spawn(bin, args, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        ...this.#env,
        PORT: String(this.port),
        RESTATE_LOGGING: "WARN",
      },
    });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        this.log = (this.log + d).slice(-20_000);
        if (this.log.includes("listening")) resolve();
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once(
        "exit",
        (code) => reject(new Error(`service exited (${code}):\n${this.log}`)),
      );
    });
  }

  kill9(): Promise<void> {
    return this.#child
      ? stopProcess(this.#child, "SIGKILL")
      : Promise.resolve();
  }
}

/** Starts a service process on a free port. */
export async function startService(
  file: string,
  runtime: Runtime = "node22",
  env: Record<string, string> = {},
): Promise<Service & AsyncDisposable> {
  const service = new Service(await freePort(), runtime, file, env);
  await service.start();
  return Object.assign(service, {
    async [Symbol.asyncDispose]() {
      await service.kill9();
    },
  });
}
