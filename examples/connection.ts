// The seed's second half: a connection that must be idle before it can move
// to in-flight. The protocol is a table the owner enforces, so no caller can
// ever put the connection into a state the table does not allow.
import { Machine, TransitionError } from "../mod.ts";

const conn = new Machine({
  initial: "idle",
  context: { requests: 0 },
  states: {
    idle: {
      on: {
        send: { target: "inflight", action: (ctx) => void ctx.requests++ },
        close: "closing",
      },
    },
    inflight: {
      on: { done: "idle", close: "closing" },
      after: { 30_000: "closing" }, // a request stuck for 30 s closes it
    },
    closing: {}, // final: no way out
  },
});

// Every transition, in the order the owner made them.
const transitions = conn.watch();

console.log("send  ->", await conn.send("send")); // inflight

// Sending again while in flight is refused; nothing changes.
try {
  await conn.send("send");
} catch (error) {
  if (!(error instanceof TransitionError)) throw error;
  console.log(
    `refused: ${error.message} (from ${error.from}, event ${error.event})`,
  );
}
console.log("state ->", await conn.state()); // still inflight

console.log("done  ->", await conn.send("done")); // idle

// Three callers race to send: the owner takes them one at a time, so
// exactly one finds the connection idle.
const race = await Promise.allSettled([
  conn.send("send"),
  conn.send("send"),
  conn.send("send"),
]);
console.log(
  "race  ->",
  race.map((r) => r.status === "fulfilled" ? r.value : "refused").join(", "),
);

console.log("close ->", await conn.send("close")); // closing
console.log("can send now?", await conn.can("send")); // false: final state
console.log("snapshot:", await conn.snapshot());

await conn.close(); // ends the watch stream
const reader = transitions.getReader();
for (let r = await reader.read(); !r.done; r = await reader.read()) {
  console.log(`  ${r.value.from} --${r.value.event}--> ${r.value.to}`);
}
