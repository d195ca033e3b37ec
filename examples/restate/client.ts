// The caller's side: the typed API of a local Store and Machine, over the
// Restate ingress. Only the definitions' types are imported: no SDK here.
import { TransitionError } from "../../mod.ts";
import { machineClient, storeClient } from "../../src/restate/mod.ts";
import type { Counters, Door } from "./service.ts";

const ingress = process.env.INGRESS ?? "http://127.0.0.1:8080";
const counters = storeClient<typeof Counters>(ingress, {
  service: "counters",
  shards: 4,
});
const door = machineClient<typeof Door>(ingress, {
  service: "door",
  name: "front",
});

await Promise.all(
  Array.from({ length: 100 }, () => counters.update("hits", "add", 1)),
);
console.log("hits:", await counters.get("hits")); // 100

// A retry after a lost reply: the same idempotency key runs it once.
const once = counters.with({ idempotencyKey: "bonus-1" });
await once.update("bonus", "add", 10);
await once.update("bonus", "add", 10);
console.log("bonus:", await counters.get("bonus")); // 10

try {
  await counters.update("hits", "add", Number.NaN); // crosses as null: refused
} catch (error) {
  console.log("refused:", (error as Error).name, (error as Error).message);
}

console.log("door:", await door.send("open")); // "open"
try {
  await door.send("open");
} catch (error) {
  if (!(error instanceof TransitionError)) throw error;
  console.log(`refused: ${error.event} in ${error.from}`);
}
while (await door.state() === "open") {
  await new Promise((r) => setTimeout(r, 100));
}
console.log("door after its timer:", await door.state()); // "shut"
await counters.clear();
