import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ClosedError,
  Machine,
  type MachineTransition,
  OverflowError,
  TimeoutError,
  TransitionError,
} from "../mod.ts";
import { collect, deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

/** The seed's connection protocol. */
function connection() {
  return new Machine({
    initial: "idle",
    states: {
      idle: { on: { send: "inflight", close: "closing" } },
      inflight: { on: { done: "idle", close: "closing" } },
      closing: {},
    },
  });
}

/** Asserts a TransitionError with its data. */
function isTransitionError(from: string, event: string, reason?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(
      error instanceof TransitionError,
      `not a TransitionError: ${error}`,
    );
    assert.equal(error.name, "TransitionError");
    assert.equal(error.from, from);
    assert.equal(error.event, event);
    if (reason) assert.match(error.message, reason);
    return true;
  };
}

/** A deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("Machine: the seed's connection goes idle → inflight → closing and refuses the rest", async () => {
  const conn = connection();
  const changes = conn.watch();
  assert.equal(await conn.state(), "idle");
  assert.equal(await conn.send("send"), "inflight");
  // In flight: a second send is refused, and nothing changes.
  await assert.rejects(
    conn.send("send"),
    isTransitionError("inflight", "send", /no transition for this event/),
  );
  assert.equal(await conn.state(), "inflight");
  assert.equal(await conn.send("done"), "idle");
  assert.equal(await conn.send("send"), "inflight");
  assert.equal(await conn.send("close"), "closing");
  // closing is final: every event is refused.
  for (const event of ["send", "done", "close"] as const) {
    await assert.rejects(
      conn.send(event),
      isTransitionError("closing", event, /final state/),
    );
  }
  assert.equal(await conn.state(), "closing");
  await conn.close();
  assert.deepEqual(await collect(changes), [
    { from: "idle", event: "send", to: "inflight" },
    { from: "inflight", event: "done", to: "idle" },
    { from: "idle", event: "send", to: "inflight" },
    { from: "inflight", event: "close", to: "closing" },
  ]);
});

test("Machine.send() on a busy machine queues behind the running effect", async () => {
  const log: string[] = [];
  const gate = deferred();
  const m = new Machine({
    initial: "a",
    states: {
      a: { on: { go: { target: "b", action: () => gate.promise } } },
      b: { on: { on: { target: "c", action: () => void log.push("action") } } },
      c: {},
    },
  });
  const first = m.send("go"); // its async action holds the machine
  const reply = m.send("on");
  log.push("caller");
  gate.resolve();
  assert.equal(await first, "b");
  assert.equal(await reply, "c");
  assert.deepEqual(log, ["caller", "action"]);
  await m.close();
});

test("Machine.send() on an idle machine runs the transition before it returns", async () => {
  const log: string[] = [];
  const m = new Machine({
    initial: "a",
    states: {
      a: { on: { go: { target: "b", action: () => void log.push("action") } } },
      b: {},
    },
  });
  const reply = m.send("go");
  log.push("caller");
  assert.equal(await reply, "b");
  assert.deepEqual(log, ["action", "caller"]);
  await m.close();
});

test("Machine.send() of an event no state knows rejects with TransitionError naming the known ones", async () => {
  const conn = connection();
  const untyped = conn as unknown as { send(event: string): Promise<string> };
  await assert.rejects(
    untyped.send("teleport"),
    isTransitionError(
      "idle",
      "teleport",
      /unknown event \(known: send, close, done\)/,
    ),
  );
  assert.equal(await conn.send("send"), "inflight");
  await conn.close();
});

test("Machine.send() rejects a non-string event with a TypeError, and serves on", async () => {
  const conn = connection();
  const untyped = conn as unknown as { send(event: unknown): Promise<string> };
  await assert.rejects(untyped.send(42), {
    name: "TypeError",
    message: /event must be a string, received 42/,
  });
  assert.equal(await conn.state(), "idle");
  assert.equal(await conn.send("send"), "inflight");
  await conn.close();
});

// A generated protocol: `states` states, `events` events, each state
// accepting about `density` of the events, with random targets.
function protocol(
  seed: number,
  states: number,
  events: number,
  density: number,
  finals = 0,
) {
  const next = random(seed);
  const names = Array.from({ length: states }, (_, i) => `s${i}`);
  const eventNames = Array.from({ length: events }, (_, i) => `e${i}`);
  const table = new Map<string, Map<string, string>>();
  for (let i = 0; i < states; i++) {
    const row = new Map<string, string>();
    if (i < states - finals) {
      for (const event of eventNames) {
        if (next() < density) {
          row.set(event, names[Math.floor(next() * states)]);
        }
      }
      // Every non-final state accepts at least one event.
      if (row.size === 0) {
        row.set(eventNames[i % events], names[(i + 1) % states]);
      }
    }
    table.set(names[i], row);
  }
  return { names, eventNames, table, next };
}

type AnyMachine = Machine<string, string, { accepted: number }>;

/** A Machine built from a table; every action counts (async on odd events). */
function fromTable(
  table: Map<string, Map<string, string>>,
  initial: string,
): AnyMachine {
  const states: Record<string, { on: Record<string, unknown> }> = {};
  for (const [name, row] of table) {
    const on: Record<string, unknown> = {};
    for (const [event, target] of row) {
      const async = Number(event.slice(1)) % 2 === 1;
      on[event] = {
        target,
        action: async
          ? async (ctx: { accepted: number }) => {
            const before = ctx.accepted;
            await Promise.resolve(); // other senders' microtasks run here
            ctx.accepted = before + 1;
          }
          : (ctx: { accepted: number }) => void ctx.accepted++,
      };
    }
    states[name] = Object.keys(on).length > 0 ? { on } : {} as never;
  }
  return new Machine(
    { initial, context: { accepted: 0 }, states } as never,
  ) as AnyMachine;
}

test("Machine enforces a generated 40-state, 25-event table: every (state, event) pair", async () => {
  const { names, eventNames, table } = protocol(1, 40, 25, 0.3, 3);
  let legal = 0;
  let refused = 0;
  for (const from of names) {
    const row = table.get(from)!;
    for (const event of eventNames) {
      const m = fromTable(table, from);
      const target = row.get(event);
      assert.equal(await m.can(event), target !== undefined);
      if (target !== undefined) {
        assert.equal(await m.send(event), target);
        assert.deepEqual(await m.snapshot(), {
          state: target,
          context: { accepted: 1 },
        });
        legal++;
      } else {
        await assert.rejects(
          m.send(event),
          isTransitionError(
            from,
            event,
            row.size === 0 ? /final state/ : /no transition/,
          ),
        );
        assert.deepEqual(await m.snapshot(), {
          state: from,
          context: { accepted: 0 },
        });
        refused++;
      }
      await m.close();
    }
  }
  assert.equal(legal + refused, 40 * 25);
  assert.ok(legal > 200 && refused > 500, `legal ${legal}, refused ${refused}`);
});

test("Machine follows a generated table along a 3,000-event random walk, like a model", async () => {
  const { eventNames, table, next } = protocol(2, 30, 20, 0.25);
  const m = fromTable(table, "s0");
  let state = "s0";
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const event = eventNames[Math.floor(next() * eventNames.length)];
    const target = table.get(state)!.get(event);
    if (target === undefined) {
      await assert.rejects(m.send(event), isTransitionError(state, event));
    } else {
      assert.equal(await m.send(event), target);
      state = target;
      accepted++;
    }
  }
  assert.deepEqual(await m.snapshot(), { state, context: { accepted } });
  assert.ok(accepted > 500, `accepted ${accepted}`);
  await m.close();
});

test("Machine: 400 concurrent senders on a generated table equal a sequential replay of the owner's order", async () => {
  const { eventNames, table, next } = protocol(3, 30, 12, 0.4);
  const m = fromTable(table, "s0");
  const changes = m.watch();
  const issued: string[] = [];
  const outcomes = new Map<
    number,
    { ok: true; to: string } | { ok: false; from: string }
  >();
  await Promise.all(Array.from({ length: 400 }, async (_, sender) => {
    // Each sender waits a random number of microtask turns, then sends.
    const turns = Math.floor(next() * 20);
    for (let t = 0; t < turns; t++) await Promise.resolve();
    const event = eventNames[Math.floor(next() * eventNames.length)];
    const index = issued.push(event) - 1;
    try {
      outcomes.set(index, { ok: true, to: await m.send(event) });
    } catch (error) {
      assert.ok(error instanceof TransitionError);
      assert.equal(error.event, event);
      outcomes.set(index, { ok: false, from: error.from });
    }
    void sender;
  }));
  const final = await m.snapshot();
  await m.close();
  const log = await collect(changes);

  // The watch log is a legal path through the table from the initial state.
  let at = "s0";
  for (const change of log) {
    assert.equal(change.from, at);
    assert.equal(table.get(change.from)!.get(change.event), change.to);
    at = change.to;
  }
  assert.equal(final.state, at);

  // Replaying the sends one at a time, in the order they were issued,
  // gives every sender the same answer, the same log and final state.
  let state = "s0";
  const replayLog: MachineTransition<string, string>[] = [];
  issued.forEach((event, i) => {
    const target = table.get(state)!.get(event);
    const outcome = outcomes.get(i)!;
    if (target === undefined) {
      assert.deepEqual(
        outcome,
        { ok: false, from: state },
        `send #${i} (${event})`,
      );
    } else {
      assert.deepEqual(
        outcome,
        { ok: true, to: target },
        `send #${i} (${event})`,
      );
      replayLog.push({ from: state, event, to: target });
      state = target;
    }
  });
  assert.deepEqual(log, replayLog);
  assert.equal(final.state, state);
  // No lost update: each accepted transition's (partly async) action counted.
  assert.equal(final.context.accepted, log.length);
  assert.ok(log.length > 50 && log.length < 400, `accepted ${log.length}`);
});

test("Machine: a guard sees context and payload; false refuses with state and context unchanged", async () => {
  const seen: unknown[] = [];
  const account = new Machine({
    initial: "open",
    context: { balance: 100 },
    states: {
      open: {
        on: {
          withdraw: {
            target: "open",
            guard: (ctx, amount: number) => {
              seen.push([ctx.balance, amount]);
              return ctx.balance >= amount;
            },
            action: (ctx, amount: number) => void (ctx.balance -= amount),
          },
          freeze: { target: "frozen", guard: (ctx) => ctx.balance === 0 },
        },
      },
      frozen: {},
    },
  });
  assert.equal(await account.send("withdraw", 80), "open");
  await assert.rejects(
    account.send("withdraw", 80),
    isTransitionError("open", "withdraw", /guard refused/),
  );
  assert.deepEqual(await account.snapshot(), {
    state: "open",
    context: { balance: 20 },
  });
  assert.equal(await account.can("withdraw", 20), true);
  assert.equal(await account.can("withdraw", 21), false);
  assert.equal(await account.can("freeze"), false);
  await assert.rejects(
    account.send("freeze"),
    isTransitionError("open", "freeze"),
  );
  assert.equal(await account.send("withdraw", 20), "open");
  assert.equal(await account.send("freeze"), "frozen");
  assert.deepEqual(seen, [[100, 80], [20, 80], [20, 20], [20, 21], [20, 20]]);
  await account.close();
});

test("Machine: a guard that throws rejects that send with its error; one returning a promise is a TypeError", async () => {
  const m = new Machine({
    initial: "a",
    states: {
      a: {
        on: {
          boom: {
            target: "b",
            guard: () => {
              throw new RangeError("guard broke");
            },
          },
          later: { target: "b", guard: (() => Promise.resolve(true)) as never },
          go: "b",
        },
      },
      b: {},
    },
  });
  await assert.rejects(m.send("boom"), {
    name: "RangeError",
    message: "guard broke",
  });
  await assert.rejects(m.send("later"), {
    name: "TypeError",
    message: /guard must return a boolean synchronously/,
  });
  assert.equal(await m.state(), "a");
  assert.equal(await m.send("go"), "b");
  await m.close();
});

test("Machine: async exit, action and entry run in order and never interleave with other commands", async () => {
  const log: string[] = [];
  const gate = deferred();
  const step = (name: string, wait?: Promise<void>) => async () => {
    log.push(`${name}:start`);
    await Promise.resolve();
    if (wait) await wait;
    await Promise.resolve();
    log.push(`${name}:end`);
  };
  const m = new Machine({
    initial: "a",
    states: {
      a: {
        exit: step("exit a"),
        on: { go: { target: "b", action: step("action go", gate.promise) } },
      },
      b: { entry: step("entry b"), exit: step("exit b"), on: { back: "a" } },
    },
  });
  const first = m.send("go");
  const second = m.send("back");
  const state = m.state().then((s) => {
    log.push(`state: ${s}`);
    return s;
  });
  await flushMicrotasks();
  assert.deepEqual(log, ["exit a:start", "exit a:end", "action go:start"]);
  gate.resolve();
  assert.equal(await first, "b");
  assert.equal(await second, "a");
  assert.equal(await state, "a");
  assert.deepEqual(log, [
    "exit a:start",
    "exit a:end",
    "action go:start",
    "action go:end",
    "entry b:start",
    "entry b:end",
    "exit b:start",
    "exit b:end",
    "state: a",
  ]);
  await m.close();
});

test("Machine: exit, action and entry get the working context and the payload", async () => {
  const calls: unknown[] = [];
  const m = new Machine({
    initial: "a",
    context: { n: 0 },
    states: {
      a: {
        exit: (ctx, p) => void calls.push(["exit", ctx.n++, p]),
        on: {
          go: {
            target: "b",
            action: (ctx, p) => void calls.push(["action", ctx.n++, p]),
          },
        },
      },
      b: { entry: (ctx, p) => void calls.push(["entry", ctx.n++, p]) },
    },
  });
  assert.equal(await m.send("go", "payload"), "b");
  assert.deepEqual(calls, [["exit", 0, "payload"], ["action", 1, "payload"], [
    "entry",
    2,
    "payload",
  ]]);
  assert.deepEqual(await m.snapshot(), { state: "b", context: { n: 3 } });
  await m.close();
});

for (const where of ["exit", "action", "entry"] as const) {
  for (const how of ["throws", "rejects"] as const) {
    test(`Machine: an ${where} that ${how} leaves state and context as they were`, async () => {
      const failure = new Error(`${where} ${how}`);
      const effect =
        (name: string) => async (ctx: { log: string[]; n: number }) => {
          ctx.log.push(name); // changes the working copy before failing
          ctx.n++;
          if (name !== where) return;
          if (how === "rejects") await Promise.resolve();
          throw failure;
        };
      const sync = (name: string) => (ctx: { log: string[]; n: number }) => {
        ctx.log.push(name);
        ctx.n++;
        if (name === where) throw failure;
      };
      const fx = how === "throws" ? sync : effect;
      const m = new Machine({
        initial: "a",
        context: { log: [] as string[], n: 0 },
        states: {
          a: {
            exit: fx("exit"),
            on: { go: { target: "b", action: fx("action") } },
          },
          b: { entry: fx("entry"), on: { back: "a" } },
        },
      });
      const before = await m.snapshot();
      await assert.rejects(m.send("go"), (error) => error === failure);
      assert.deepEqual(await m.snapshot(), before);
      assert.deepEqual(before, { state: "a", context: { log: [], n: 0 } });
      assert.equal(await m.can("go"), true); // serves on, still in "a"
      await m.close();
    });
  }
}

test("Machine: the context is owned: a copy of config.context, and snapshot() returns copies", async () => {
  const context = { items: new Map([["a", 1]]), at: new Date(0) };
  const m = new Machine({
    initial: "a",
    context,
    states: {
      a: {
        on: {
          add: {
            target: "a",
            action: (ctx) => void ctx.items.set("b", 2),
          },
        },
      },
    },
  });
  context.items.set("outside", 0); // the caller's object is not the owned one
  await m.send("add");
  const snap = await m.snapshot();
  assert.deepEqual([...snap.context.items], [["a", 1], ["b", 2]]);
  assert.ok(snap.context.at instanceof Date);
  snap.context.items.clear();
  assert.equal((await m.snapshot()).context.items.size, 2);
  await m.close();
});

test("new Machine() needs config.clone for a context structuredClone cannot copy", async () => {
  class Socket {
    sent = 0;
    write() {
      this.sent++;
    }
  }
  const config = (clone?: (c: { socket: Socket }) => { socket: Socket }) => ({
    initial: "idle" as const,
    context: { socket: new Socket() },
    clone,
    states: {
      idle: {
        on: {
          send: {
            target: "idle" as const,
            action: (ctx: { socket: Socket }) => ctx.socket.write(),
          },
        },
      },
    },
  });
  assert.throws(() => new Machine(config()), {
    name: "TypeError",
    message:
      /config\.context must be copyable by structuredClone.*give config\.clone.*received an instance of Socket/,
  });
  // A shallow copy keeps the socket (shared, not rolled back).
  const m = new Machine(config((c) => ({ ...c })));
  await m.send("send");
  assert.equal((await m.snapshot()).context.socket.sent, 1);
  await m.close();
});

test("Machine: config.clone makes the copies; a transition without effects copies nothing", async () => {
  let copies = 0;
  const m = new Machine({
    initial: "a",
    context: { n: 0 },
    clone: (c) => {
      copies++;
      return { ...c };
    },
    states: {
      a: {
        on: {
          plain: "b",
          counted: { target: "b", action: (ctx) => void ctx.n++ },
        },
      },
      b: { on: { back: "a" } },
    },
  });
  assert.equal(copies, 1); // the owned copy of config.context
  await m.send("plain");
  await m.send("back");
  assert.equal(copies, 1);
  await m.send("counted");
  assert.equal(copies, 2);
  assert.deepEqual(await m.snapshot(), { state: "b", context: { n: 1 } });
  assert.equal(copies, 3);
  await m.close();
});

test("Machine: an entry on the initial state runs at construction, on a copy of the context", async () => {
  const m = new Machine({
    initial: "a",
    context: { entered: 0 },
    states: { a: { entry: async (ctx) => void ctx.entered++ } },
  });
  assert.deepEqual(await m.snapshot(), { state: "a", context: { entered: 1 } });
  await m.close();
});

test("Machine: an initial entry that throws is reported to onError; the machine serves on", async () => {
  const errors: unknown[] = [];
  const failure = new Error("no entry");
  const m = new Machine({
    initial: "a",
    context: { n: 0 },
    states: {
      a: {
        entry: (ctx) => {
          ctx.n = 99;
          throw failure;
        },
        on: { go: "b" },
      },
      b: {},
    },
  }, { onError: (e) => errors.push(e) });
  assert.deepEqual(await m.snapshot(), { state: "a", context: { n: 0 } });
  assert.deepEqual(errors, [failure]);
  assert.equal(await m.send("go"), "b");
  await m.close();
});

test("Machine after: entering a state arms its timeout; it fires through the queue", async () => {
  const clock = manualClock();
  const m = new Machine({
    initial: "idle",
    states: {
      idle: { on: { send: "inflight" } },
      inflight: { on: { done: "idle" }, after: { 1000: "failed" } },
      failed: { on: { reset: "idle" } },
    },
  }, { clock });
  const changes = m.watch();
  assert.equal(await m.state(), "idle");
  assert.equal(clock.pending(), 0);
  await m.send("send");
  assert.equal(clock.pending(), 1);
  clock.advance(999);
  assert.equal(await m.state(), "inflight");
  clock.advance(1);
  // Queued behind nothing: a send issued now runs after the timeout.
  assert.equal(await m.send("reset"), "idle");
  assert.equal(clock.pending(), 0);
  await m.close();
  assert.deepEqual(await collect(changes), [
    { from: "idle", event: "send", to: "inflight" },
    { from: "inflight", event: "after:1000", to: "failed" },
    { from: "failed", event: "reset", to: "idle" },
  ]);
});

test("Machine after: leaving the state disarms its timeouts", async () => {
  const clock = manualClock();
  const m = new Machine({
    initial: "idle",
    states: {
      idle: { on: { send: "inflight" } },
      inflight: {
        on: { done: "idle" },
        after: { 100: "failed", 500: "failed" },
      },
      failed: {},
    },
  }, { clock });
  await m.send("send");
  assert.equal(clock.pending(), 2);
  await m.send("done");
  assert.equal(clock.pending(), 0);
  clock.advance(1000);
  assert.equal(await m.state(), "idle");
  await m.close();
});

test("Machine after: a transition to the same state restarts its timeouts", async () => {
  const clock = manualClock();
  const m = new Machine({
    initial: "open",
    states: {
      open: { on: { ping: "open" }, after: { 100: "idle" } },
      idle: {},
    },
  }, { clock });
  assert.equal(await m.state(), "open"); // armed at construction
  assert.equal(clock.pending(), 1);
  clock.advance(60);
  await m.send("ping");
  clock.advance(60); // 120 ms since the start, 60 since the ping
  assert.equal(await m.state(), "open");
  clock.advance(40);
  assert.equal(await m.state(), "idle");
  await m.close();
});

test("Machine after: a timer that fires while its state is being left is stale and does nothing", async () => {
  const clock = manualClock();
  const gate = deferred();
  let exiting = false;
  const m = new Machine({
    initial: "waiting",
    states: {
      waiting: {
        exit: () => {
          exiting = true;
          return gate.promise;
        },
        on: { go: "done" },
        after: { 100: "timedOut" },
      },
      done: { on: { again: "waiting" } },
      timedOut: {},
    },
  }, { clock });
  const changes = m.watch();
  assert.equal(await m.state(), "waiting");
  assert.equal(clock.pending(), 1);
  const go = m.send("go");
  await flushMicrotasks();
  assert.equal(exiting, true); // the exit is running
  clock.advance(100); // fires: its transition is queued behind "go"
  assert.equal(clock.pending(), 0);
  gate.resolve();
  assert.equal(await go, "done");
  assert.equal(await m.state(), "done");
  await m.close();
  assert.deepEqual(await collect(changes), [{
    from: "waiting",
    event: "go",
    to: "done",
  }]);
});

test("Machine after: a timer survives a transition that failed, and fires", async () => {
  const clock = manualClock();
  const gate = deferred();
  let exiting = false;
  const failure = new Error("exit failed");
  const m = new Machine({
    initial: "waiting",
    states: {
      waiting: {
        exit: async (_ctx, payload) => {
          if (payload !== "fail") return;
          exiting = true;
          await gate.promise;
          throw failure;
        },
        on: { go: "done" },
        after: { 100: "timedOut" },
      },
      done: {},
      timedOut: {},
    },
  }, { clock });
  assert.equal(await m.state(), "waiting");
  const go = m.send("go", "fail");
  await flushMicrotasks();
  assert.equal(exiting, true);
  clock.advance(100);
  assert.equal(clock.pending(), 0); // fired
  gate.resolve();
  await assert.rejects(go, (e) => e === failure);
  // Still "waiting" after the failed send, so the queued timeout applies.
  assert.equal(await m.state(), "timedOut");
  await m.close();
});

test("Machine after: close() disarms the timers", async () => {
  const clock = manualClock();
  const m = new Machine({
    initial: "a",
    states: { a: { after: { 100: "b" } }, b: {} },
  }, { clock });
  assert.equal(await m.state(), "a");
  assert.equal(clock.pending(), 1);
  await m.close();
  assert.equal(clock.pending(), 0);
});

test("Machine after: an entry failing on a timed transition goes to onError; the state stays", async () => {
  const clock = manualClock();
  const errors: unknown[] = [];
  const failure = new Error("entry failed");
  const m = new Machine({
    initial: "a",
    states: {
      a: { after: { 10: "b" }, on: { go: "c" } },
      b: {
        entry: () => {
          throw failure;
        },
      },
      c: {},
    },
  }, { clock, onError: (e) => errors.push(e) });
  assert.equal(await m.state(), "a");
  clock.advance(10);
  assert.equal(await m.state(), "a");
  assert.deepEqual(errors, [failure]);
  assert.equal(await m.send("go"), "c");
  await m.close();
});

test("Machine.watch() ends cleanly on close() and on abort()", async () => {
  for (const stop of ["close", "abort"] as const) {
    const m = connection();
    const changes = m.watch();
    await m.send("send");
    await (stop === "close" ? m.close() : m.abort(new Error("stop")));
    assert.deepEqual(await collect(changes), [{
      from: "idle",
      event: "send",
      to: "inflight",
    }]);
  }
});

test("Machine.watch() cancelled by its reader unsubscribes; others keep receiving", async () => {
  const m = connection();
  const a = m.watch();
  const b = m.watch();
  await m.send("send");
  await a.cancel();
  await m.send("done");
  await m.close();
  assert.deepEqual(await collect(b), [
    { from: "idle", event: "send", to: "inflight" },
    { from: "inflight", event: "done", to: "idle" },
  ]);
});

test("Machine.watch() errors with OverflowError when its reader falls behind watchBuffer", async () => {
  const m = new Machine({
    initial: "a",
    states: { a: { on: { flip: "b" } }, b: { on: { flip: "a" } } },
  }, {
    watchBuffer: 3,
  });
  const changes = m.watch();
  for (let i = 0; i < 4; i++) await m.send("flip");
  await assert.rejects(collect(changes), (error: unknown) => {
    assert.ok(error instanceof OverflowError);
    assert.equal(error.limit, 3);
    return true;
  });
  assert.equal(await m.send("flip"), "b"); // the machine is unaffected
  await m.close();
});

test("Machine.watch() on a closed machine errors its stream with ClosedError", async () => {
  const m = connection();
  await m.close();
  await assert.rejects(collect(m.watch()), ClosedError);
});

test("Machine.with({ signal }) aborted while queued: the send never runs", async () => {
  const gate = deferred();
  const m = new Machine({
    initial: "a",
    states: {
      a: { on: { slow: { target: "a", action: () => gate.promise }, go: "b" } },
      b: {},
    },
  });
  const controller = new AbortController();
  const slow = m.send("slow");
  const queued = m.with({ signal: controller.signal }).send("go");
  const reason = new Error("changed my mind");
  controller.abort(reason);
  gate.resolve();
  await slow;
  await assert.rejects(queued, (e) => e === reason);
  assert.equal(await m.state(), "a");
  await m.close();
});

test("Machine.with({ timeout }) past its time while effects run: rejects, and the transition is discarded", async () => {
  const clock = manualClock();
  const gate = deferred();
  const m = new Machine({
    initial: "a",
    context: { n: 0 },
    states: {
      a: {
        on: {
          go: {
            target: "b",
            action: async (ctx) => {
              ctx.n++;
              await gate.promise;
            },
          },
        },
      },
      b: {},
    },
  }, { clock });
  const go = m.with({ timeout: 50 }).send("go");
  const state = m.snapshot();
  await flushMicrotasks();
  clock.advance(50);
  await assert.rejects(go, (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 50);
    assert.deepEqual(error.command, { op: "send", args: ["go"] });
    return true;
  });
  gate.resolve();
  // The owner still waited for the action, then did not commit it.
  assert.deepEqual(await state, { state: "a", context: { n: 0 } });
  assert.equal(await m.with({ timeout: 50 }).send("go"), "b"); // in time now
  assert.deepEqual(await m.snapshot(), { state: "b", context: { n: 1 } });
  await m.close();
});

test("Machine handlerTimeout: an abandoned transition never commits later", async () => {
  const clock = manualClock();
  const gate = deferred();
  const errors: unknown[] = [];
  const m = new Machine({
    initial: "a",
    states: {
      a: {
        on: { stuck: { target: "b", action: () => gate.promise }, go: "c" },
      },
      b: {},
      c: { on: { back: "a" } },
    },
  }, { clock, handlerTimeout: 100, onError: (e) => errors.push(e) });
  const stuck = m.send("stuck");
  await flushMicrotasks();
  clock.advance(100);
  await assert.rejects(stuck, TimeoutError);
  assert.equal(await m.send("go"), "c"); // the owner moved on
  gate.resolve(); // the abandoned action finishes now
  await flushMicrotasks();
  assert.equal(await m.state(), "c");
  assert.equal(errors.length, 1);
  await m.close();
});

test("Machine.close() runs what is queued, then refuses with ClosedError", async () => {
  const m = connection();
  const queued = [m.send("send"), m.send("done"), m.send("close")];
  const closed = m.close();
  await assert.rejects(m.send("send"), (error: unknown) => {
    assert.ok(error instanceof ClosedError);
    assert.deepEqual(error.command, { op: "send", args: ["send"] });
    return true;
  });
  assert.deepEqual(await Promise.all(queued), ["inflight", "idle", "closing"]);
  await closed;
  await m.closed;
  await assert.rejects(m.state(), ClosedError);
});

test("Machine.abort() rejects what is queued; a running transition finishes", async () => {
  const gate = deferred();
  const m = new Machine({
    initial: "a",
    states: {
      a: { on: { slow: { target: "b", action: () => gate.promise } } },
      b: { on: { go: "a" } },
    },
  });
  const running = m.send("slow");
  const queued = m.send("go");
  await flushMicrotasks();
  const reason = new Error("shutdown");
  const aborted = m.abort(reason);
  await assert.rejects(queued, (e) => e === reason);
  gate.resolve();
  assert.equal(await running, "b");
  await aborted;
  await assert.rejects(m.send("go"), ClosedError);
});

test("Machine options.signal aborts the machine", async () => {
  const controller = new AbortController();
  const m = new Machine({ initial: "a", states: { a: { on: { go: "a" } } } }, {
    signal: controller.signal,
  });
  assert.equal(await m.send("go"), "a");
  controller.abort(new Error("bye"));
  await m.closed;
  await assert.rejects(m.send("go"), ClosedError);
});

test("Machine implements await using", async () => {
  let outer!: Machine<"a", "go">;
  {
    await using m = new Machine({
      initial: "a",
      states: { a: { on: { go: "a" } } },
    });
    outer = m;
    await m.send("go");
  }
  await assert.rejects(outer.send("go"), ClosedError);
});

test("Machine.writable takes raw send/state/snapshot/can commands; internal ops are refused", async () => {
  const m = connection();
  const writer = m.writable.getWriter();
  const ask = (op: string, args: unknown[] = []) =>
    new Promise((resolve, reject) => {
      writer.write({ op, args, reply: { resolve, reject } });
    });
  assert.equal(await ask("send", ["send"]), "inflight");
  assert.equal(await ask("state"), "inflight");
  assert.equal(await ask("can", ["done"]), true);
  assert.deepEqual(await ask("snapshot"), {
    state: "inflight",
    context: undefined,
  });
  await assert.rejects(
    ask("send", ["send"]),
    isTransitionError("inflight", "send"),
  );
  for (const op of ["after", "start", "nope"]) {
    await assert.rejects(ask(op, [{}, 0, "closing"]), {
      name: "TypeError",
      message: new RegExp(`Cannot run "${op}": Machine has no such command`),
    });
  }
  await assert.rejects(ask("watch", [{}]), {
    name: "TypeError",
    message: /call Machine.watch\(\)/,
  });
  assert.equal(await m.state(), "inflight");
  await writer.close();
  await m.closed;
});

test("new Machine() validates its config from plain JS", () => {
  const build = (config: unknown, options?: unknown) => () =>
    new Machine(config as never, options as never);
  const ok = { a: { on: { go: "b" } }, b: {} };
  const cases: [unknown, RegExp, typeof TypeError | typeof RangeError][] = [
    [null, /config must be an object, received null/, TypeError],
    [5, /config must be an object, received 5/, TypeError],
    [
      { initial: "a" },
      /config\.states must be an object of states, received undefined/,
      TypeError,
    ],
    [{ initial: "a", states: {} }, /must name at least one state/, RangeError],
    [
      { states: ok },
      /config\.initial must be a state name, received undefined/,
      TypeError,
    ],
    [
      { initial: "z", states: ok },
      /config\.initial must name a state \(known: a, b\), received "z"/,
      RangeError,
    ],
    [
      { initial: "a", states: { a: 1 } },
      /state "a" must be an object, received 1/,
      TypeError,
    ],
    [
      { initial: "a", states: { a: { entyr: () => {} } } },
      /state "a" has an unknown key .*received "entyr"/,
      TypeError,
    ],
    [
      { initial: "a", states: { a: { on: "b" } } },
      /state "a": on must be an object/,
      TypeError,
    ],
    [
      { initial: "a", states: { a: { on: { go: "x" } } } },
      /state "a", event "go" must name a state \(known: a\), received "x"/,
      RangeError,
    ],
    [
      { initial: "a", states: { a: { on: { go: 5 } } } },
      /event "go" must be a state name, received 5/,
      TypeError,
    ],
    [
      { initial: "a", states: { a: { on: { go: { target: "x" } } } } },
      /event "go": target must name a state/,
      RangeError,
    ],
    [
      {
        initial: "a",
        states: { a: { on: { go: { target: "a", guard: true } } } },
      },
      /event "go": guard must be a function, received true/,
      TypeError,
    ],
    [
      {
        initial: "a",
        states: { a: { on: { go: { target: "a", action: "x" } } } },
      },
      /event "go": action must be a function, received "x"/,
      TypeError,
    ],
    [
      { initial: "a", states: { a: { entry: 1 } } },
      /state "a": entry must be a function, received 1/,
      TypeError,
    ],
    [
      { initial: "a", states: { a: { exit: {} } } },
      /state "a": exit must be a function, received an object/,
      TypeError,
    ],
    [
      { initial: "a", states: { a: { after: 100 } } },
      /state "a": after must be an object/,
      TypeError,
    ],
    [
      { initial: "a", states: { a: { after: { soon: "a" } } } },
      /after keys must be non-negative numbers of milliseconds, received "soon"/,
      RangeError,
    ],
    [
      { initial: "a", states: { a: { after: { "-1": "a" } } } },
      /received "-1"/,
      RangeError,
    ],
    [
      { initial: "a", states: { a: { after: { 10: "x" } } } },
      /state "a", after 10 must name a state/,
      RangeError,
    ],
    [
      { initial: "a", clone: 1, states: ok },
      /config\.clone must be a function, received 1/,
      TypeError,
    ],
    [
      { initial: "a", context: { f() {} }, states: ok },
      /config\.context must be copyable/,
      TypeError,
    ],
  ];
  for (const [config, message, Kind] of cases) {
    assert.throws(build(config), (error: unknown) => {
      assert.ok(error instanceof Kind, `${message}: got ${error}`);
      assert.match((error as Error).message, /^Cannot create Machine: /);
      assert.match((error as Error).message, message);
      return true;
    });
  }
  assert.throws(build({ initial: "a", states: ok }, { watchBuffer: 0 }), {
    name: "RangeError",
    message: /watchBuffer must be a positive integer, received 0/,
  });
  assert.throws(
    build({ initial: "a", states: ok }, { highWaterMark: -1 }),
    RangeError,
  );
  assert.throws(build({ initial: "a", states: ok }, null), TypeError);
});
