// The seed program (Go by Example, "Stateful Goroutines"), ported: one owner
// holds the map; a write and a read are commands with a reply.
import { Store } from "../mod.ts";

const state = new Store<number, number>(); // the state goroutine

await state.set(1, 42); // writes <- writeOp{key: 1, val: 42}; <-w.resp
console.log("value:", await state.get(1)); // reads <- readOp{key: 1}; 42

await state.close();
