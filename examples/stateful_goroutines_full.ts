// The full Go by Example version: 100 readers and 10 writers hammer one
// owned map for a while; then the counts of reads and writes done and the
// final state. Every access goes through the owner; none can race.
import { Store } from "../mod.ts";

const DURATION_MS = Number(globalThis.process?.env?.DURATION_MS ?? 1000);
const state = new Store<number, number>();
let readOps = 0;
let writeOps = 0;
let running = true;

const randomKey = () => Math.floor(Math.random() * 5);

async function reader(): Promise<void> {
  while (running) {
    await state.get(randomKey());
    readOps++;
    // Go's readers sleep a millisecond; yield to the event loop instead of
    // sleeping so the run shows throughput, not timer resolution.
    if (readOps % 256 === 0) await new Promise((r) => setTimeout(r, 0));
  }
}

async function writer(): Promise<void> {
  while (running) {
    await state.set(randomKey(), Math.floor(Math.random() * 100));
    writeOps++;
    if (writeOps % 256 === 0) await new Promise((r) => setTimeout(r, 0));
  }
}

const workers = [
  ...Array.from({ length: 100 }, reader),
  ...Array.from({ length: 10 }, writer),
];
await new Promise((resolve) => setTimeout(resolve, DURATION_MS));
running = false;
await Promise.all(workers);

console.log("readOps:", readOps);
console.log("writeOps:", writeOps);
const final: Record<number, number> = {};
for await (const [key, value] of state.entries()) final[key] = value;
console.log("state:", final);
await state.close();
