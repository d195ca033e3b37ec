// Shared test helpers: runtime-neutral (Node 20 has no Array.fromAsync).

/** Reads a stream to its end. */
export async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

/** Lets every queued microtask (and their follow-ups) run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Settles after a macrotask: everything microtask-driven has finished. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A clock whose timers fire only when the test says so. */
export function manualClock(): {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  advance(ms: number): void;
  pending(): number;
} {
  let now = 0;
  let next = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout(fn, ms) {
      timers.set(++next, { at: now + ms, fn });
      return next;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at <= now && timers.has(id)) {
          timers.delete(id);
          timer.fn();
        }
      }
    },
    pending() {
      return timers.size;
    },
  };
}

/** A {@linkcode manualClock} that also tells the time (`now()`), from `start`. */
export function tellingClock(start = 0): {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  advance(ms: number): void;
} {
  const timers = manualClock();
  let now = start;
  return {
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    now: () => now,
    advance(ms) {
      now += ms;
      timers.advance(ms);
    },
  };
}

/** A promise plus its settle functions (Node 20 lacks Promise.withResolvers). */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A full garbage collection, where the runtime offers one: Bun's
 * `Bun.gc(true)`, a `globalThis.gc` (Node's `--expose-gc`, Deno's
 * `--v8-flags=--expose-gc`, which `npm run test:deno` passes), or on Node
 * the flag set at run time; undefined where none is available.
 */
export async function loadGc(): Promise<(() => void) | undefined> {
  const g = globalThis as unknown as {
    Deno?: unknown;
    Bun?: { gc(force: boolean): void };
    gc?: () => void;
  };
  if (g.Bun) return () => g.Bun!.gc(true);
  if (typeof g.gc === "function") return g.gc;
  if (g.Deno) return undefined;
  try {
    const v8 = await import("node:v8");
    const vm = await import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}
