/**
 * This tree against another commit, in one process: the same loops over
 * both builds, alternating in every round, as per-round speed ratios
 * (this tree ÷ the other), medians. Run through `bench/compare.mjs`, which
 * bundles both builds and calls {@linkcode compare}.
 *
 * Issue 14's "zero cost when off" is read here: the rows with no inspector
 * against the commit before the inspection hooks.
 *
 * Time is the process's CPU time (`process.cpuUsage()`), not the wall
 * clock: on a shared machine, time spent waiting for a core does not count.
 */
import process from "node:process";
import type * as Warden from "../mod.ts";

type Build = typeof Warden;

const MASK = 1023;

interface Pair {
  name: string;
  other: () => Promise<void>;
  here: () => Promise<void>;
}

function storeLoop(m: Build, n: number): () => Promise<void> {
  const store = new m.Store<number, number>();
  return async () => {
    for (let i = 0; i < n; i++) {
      if (i & 1) await store.get(i & MASK);
      else await store.set(i & MASK, i);
    }
  };
}

function storeCallers(m: Build, n: number): () => Promise<void> {
  const store = new m.Store<number, number>();
  const callers = 1_000;
  const each = Math.max(1, Math.floor(n / callers));
  const loop = async (base: number) => {
    for (let i = base; i < base + each; i++) {
      if (i & 1) await store.get(i & MASK);
      else await store.set(i & MASK, i);
    }
  };
  return async () => {
    const all: Promise<void>[] = new Array(callers);
    for (let c = 0; c < callers; c++) all[c] = loop(c * each);
    await Promise.all(all);
  };
}

function ownerLoop(m: Build, n: number): () => Promise<void> {
  const owner = new m.Owner({ map: new Map<number, number>() }, {
    get: (s, k: number) => s.map.get(k),
    set: (s, k: number, v: number) => {
      s.map.set(k, v);
    },
  });
  return async () => {
    for (let i = 0; i < n; i++) {
      if (i & 1) await owner.ask("get", i & MASK);
      else await owner.ask("set", i & MASK, i);
    }
  };
}

function machineLoop(m: Build, n: number): () => Promise<void> {
  const machine = new m.Machine({
    initial: "a",
    states: { a: { on: { go: "b" } }, b: { on: { go: "a" } } },
  });
  return async () => {
    for (let i = 0; i < n; i++) await machine.send("go");
  };
}

async function cpu(loop: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  await loop();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[values.length >> 1];

/**
 * Prints, per loop, the median of the per-round ratios "this tree's speed
 * ÷ the other's" (above 1: this tree is faster).
 */
export async function compare(
  other: Build,
  here: Build,
  options: { rounds?: number; n?: number } = {},
): Promise<void> {
  const { rounds = 21, n = 300_000 } = options;
  const pairs: Pair[] = [
    {
      name: "Store, 1 caller",
      other: storeLoop(other, n),
      here: storeLoop(here, n),
    },
    {
      name: "Store, 1,000 callers",
      other: storeCallers(other, n),
      here: storeCallers(here, n),
    },
    {
      name: "Owner, 1 caller",
      other: ownerLoop(other, n),
      here: ownerLoop(here, n),
    },
    {
      name: "Machine, 1 caller",
      other: machineLoop(other, n),
      here: machineLoop(here, n),
    },
  ];
  const ratios = pairs.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, pair] of pairs.entries()) {
      // Alternate which build goes first, so neither always runs warm.
      let a: number, b: number;
      if (round & 1) {
        b = await cpu(pair.here);
        a = await cpu(pair.other);
      } else {
        a = await cpu(pair.other);
        b = await cpu(pair.here);
      }
      if (round >= 3) ratios[i].push(a / b); // the first rounds warm up
    }
  }
  for (const [i, pair] of pairs.entries()) {
    console.log(
      `  ${pair.name.padEnd(24)} ${median(ratios[i]).toFixed(3)}× (${
        ratios[i].length
      } rounds)`,
    );
  }
}
