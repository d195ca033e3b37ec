// Misuse from plain JavaScript (no types): wrong argument counts and types,
// non-function handlers, missing handlers, bad Machine configs. Each gets a
// clear TypeError (or RangeError for a value out of range) at construction
// or call, and never leaves an owner in a broken state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, Machine, Owner, Store } from "../mod.ts";
import { collect, deferred, flushMicrotasks, manualClock } from "./_helpers.ts";

/** What plain JavaScript sees: no types at all. */
type Untyped = (...args: unknown[]) => unknown;
const OwnerJS = Owner as unknown as new (
  ...args: unknown[]
) => Record<string, Untyped>;
const StoreJS = Store as unknown as new (
  ...args: unknown[]
) => Record<string, Untyped>;
const MachineJS = Machine as unknown as new (
  ...args: unknown[]
) => Record<string, Untyped>;

/** The owner still serves: proves a misuse left it intact. */
async function stillServes(
  owner: Owner<{ n: number }, { inc: (s: { n: number }) => number }>,
) {
  const before = await owner.ask("inc");
  assert.equal(await owner.ask("inc"), before + 1);
}

function counter() {
  return new Owner({ n: 0 }, { inc: (s: { n: number }) => ++s.n });
}

// ---------------------------------------------------------------- construction

test("new Owner() without handlers, or with handlers that are not an object, throws a TypeError", () => {
  for (
    const args of [[], [{}], [{}, null], [{}, 5], [{}, "inc"], [{}, undefined]]
  ) {
    assert.throws(() => new OwnerJS(...args), {
      name: "TypeError",
      message:
        /^Cannot create Owner: handlers must be an object of functions, received /,
    }, `new Owner(${args.map(String).join(", ")})`);
  }
});

test("new Owner() names the handler that is not a function", () => {
  for (const bad of [5, null, "fn", {}, undefined]) {
    assert.throws(() => new OwnerJS({}, { ok: () => 1, bad }), {
      name: "TypeError",
      message:
        /^Cannot create Owner: handler "bad" must be a function, received /,
    });
  }
});

test("new Owner() with options that are not an object, or bad option values, throws", () => {
  for (const options of [null, 5, "fast"]) {
    assert.throws(() => new OwnerJS({}, {}, options), {
      name: "TypeError",
      message: /^Cannot create Owner: options must be an object, received /,
    });
  }
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [
      { highWaterMark: 0 },
      "RangeError",
      /highWaterMark must be a positive integer, received 0/,
    ],
    [
      { highWaterMark: 1.5 },
      "RangeError",
      /highWaterMark must be a positive integer, received 1.5/,
    ],
    [
      { highWaterMark: "8" },
      "TypeError",
      /highWaterMark must be a positive integer, received "8"/,
    ],
    [
      { overflow: "drop" },
      "TypeError",
      /overflow must be "wait" or "reject", received "drop"/,
    ],
    [
      { signal: {} },
      "TypeError",
      /signal must be an AbortSignal, received an object/,
    ],
    [
      { timeout: -1 },
      "RangeError",
      /timeout must be a non-negative number of milliseconds, received -1/,
    ],
    [{ timeout: "5" }, "TypeError", /timeout must be a non-negative number/],
    [
      { handlerTimeout: Number.NaN },
      "RangeError",
      /handlerTimeout must be a non-negative number/,
    ],
    [
      { clock: {} },
      "TypeError",
      /clock must have setTimeout and clearTimeout, received an object/,
    ],
    [
      { onError: "log" },
      "TypeError",
      /onError must be a function, received "log"/,
    ],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(
      () => new OwnerJS({}, {}, options),
      { name, message },
      JSON.stringify(options),
    );
  }
});

test("new Owner({}, {}): an owner without handlers refuses every op with a TypeError, and closes", async () => {
  const owner = new OwnerJS({}, {});
  await assert.rejects(owner.ask("anything") as Promise<unknown>, {
    name: "TypeError",
    message: 'Cannot run "anything": no handler by that name (known: none)',
  });
  await (owner.close() as Promise<void>);
  await assert.rejects(owner.ask("anything") as Promise<unknown>, ClosedError);
});

test("new Store() with bad entries or options throws; the values are named", () => {
  assert.throws(() => new StoreJS(5), {
    name: "TypeError",
    message: /entries must be an iterable of \[key, value\] pairs, received 5/,
  });
  assert.throws(() => new StoreJS("ab"), {
    name: "TypeError",
    message: /entries must be an iterable of \[key, value\] pairs/,
  });
  assert.throws(() => new StoreJS([1, 2]), TypeError);
  assert.throws(() => new StoreJS([], null), {
    name: "TypeError",
    message: /options must be an object, received null/,
  });
  assert.throws(() => new StoreJS([], { watchBuffer: "2" }), {
    name: "TypeError",
    message: /watchBuffer must be a positive integer, received "2"/,
  });
  assert.throws(() => new StoreJS([], { highWaterMark: -3 }), RangeError);
});

// ---------------------------------------------------------------- calls

test("Owner.ask() with a missing or non-string op rejects with a TypeError; the owner serves on", async () => {
  const owner = counter();
  const ask = (...args: unknown[]) =>
    (owner.ask as unknown as Untyped).apply(owner, args) as Promise<unknown>;
  await assert.rejects(ask(), {
    name: "TypeError",
    message:
      /Cannot ask: op must be a handler name \(a string\), received undefined/,
  });
  for (const op of [5, null, {}, Symbol("inc"), ["inc"]]) {
    await assert.rejects(ask(op), {
      name: "TypeError",
      message: /Cannot ask: op must be a handler name \(a string\)/,
    });
  }
  await stillServes(owner);
  await owner.close();
  // Still a TypeError after close (not a crash while building a message).
  await assert.rejects(ask(Symbol("late")), TypeError);
});

test("Owner.stream() with a non-string op errors the stream with a TypeError", async () => {
  const owner = new Owner({}, { list: () => [1, 2] });
  const stream = (owner.stream as unknown as Untyped).call(
    owner,
    Symbol("list"),
  ) as ReadableStream<number>;
  await assert.rejects(collect(stream), {
    name: "TypeError",
    message: /Cannot stream: op must be a handler name \(a string\)/,
  });
  assert.deepEqual(await collect(owner.stream("list")), [1, 2]);
  await owner.close();
});

test("Owner.ask() of inherited or prototype names is an unknown op, never Object.prototype", async () => {
  const handlers = Object.create({
    inherited: () => "from the prototype",
  }) as Record<string, () => string>;
  handlers.own = () => "own";
  const owner = new OwnerJS({}, handlers);
  for (
    const op of [
      "inherited",
      "__proto__",
      "constructor",
      "toString",
      "hasOwnProperty",
    ]
  ) {
    await assert.rejects(owner.ask(op) as Promise<unknown>, {
      name: "TypeError",
      message: `Cannot run "${op}": no handler by that name (known: own)`,
    });
  }
  assert.equal(await owner.ask("own"), "own");
  await (owner.close() as Promise<void>);
});

test("Owner.ask() with extra or missing arguments passes them through; the handler decides", async () => {
  const owner = new Owner({ n: 0 }, {
    add: (s: { n: number }, by: number) => (s.n += by),
  });
  const add = owner.ask as unknown as (
    op: string,
    ...args: unknown[]
  ) => Promise<unknown>;
  assert.equal(await add.call(owner, "add", 2, "extra", {}), 2);
  assert.ok(Number.isNaN(await add.call(owner, "add"))); // by is undefined: n becomes NaN, as in plain JS
  await owner.close();
});

test("A detached method throws a TypeError at the call, and the owner is unharmed", async () => {
  const owner = counter();
  const { ask } = owner;
  assert.throws(() => (ask as Untyped)("inc"), TypeError);
  const { get } = new Store();
  assert.throws(() => (get as Untyped)("k"), TypeError);
  await stillServes(owner);
  await owner.close();
});

test("Owner.with() with bad options throws; the owner is unharmed", async () => {
  const owner = counter();
  const withJS = (owner.with as unknown as Untyped).bind(owner);
  for (const options of [undefined, null, 5, "fast"]) {
    assert.throws(() => withJS(options), {
      name: "TypeError",
      message:
        /Cannot call Owner.with\(\): options must be an object, received /,
    });
  }
  assert.throws(() => withJS({ timeout: -1 }), {
    name: "RangeError",
    message: /timeout must be a non-negative number/,
  });
  assert.throws(() => withJS({ signal: "stop" }), {
    name: "TypeError",
    message: /signal must be an AbortSignal, received "stop"/,
  });
  await stillServes(owner);
  await owner.close();
});

test("Owner.stream() of a handler that returns no iterable errors that stream only", async () => {
  const owner = new OwnerJS({ n: 0 }, {
    one: () => 1,
    inc: (s: { n: number }) => ++s.n,
  });
  await assert.rejects(
    collect(owner.stream("one") as ReadableStream<unknown>),
    {
      name: "TypeError",
      message:
        /Cannot stream "one": the handler must return an iterable or an async iterable, received 1/,
    },
  );
  assert.equal(await owner.ask("inc"), 1);
  await (owner.close() as Promise<void>);
});

test("Store.update() without a function, or with a non-function, rejects with a TypeError and changes nothing", async () => {
  const store = new Store<string, number>([["k", 1]]);
  const update = (store.update as unknown as Untyped).bind(store);
  for (const fn of [undefined, 5, "x => x + 1", null]) {
    await assert.rejects(update("k", fn) as Promise<unknown>, {
      name: "TypeError",
      message: /Cannot update: fn must be a function, received /,
    });
  }
  assert.equal(await store.get("k"), 1);
  await store.close();
});

test("Store raw envelopes with wrong shapes go to the reply or onError; the store serves on", async () => {
  const reported: unknown[] = [];
  const store = new Store<string, number>([], {
    onError: (e) => reported.push(e),
  });
  const writer = store.writable.getWriter();
  const replies: unknown[] = [];
  const reply = {
    resolve: (v: unknown) => replies.push(v),
    reject: (e: unknown) => replies.push(e),
  };
  for (
    const chunk of [
      null,
      5,
      "set",
      [],
      { op: "set" },
      { op: "set", reply: 5 },
      { op: "set", reply: {} },
    ]
  ) {
    await writer.write(chunk as never);
  }
  assert.equal(reported.length, 7);
  for (const error of reported) {
    assert.ok(error instanceof TypeError, String(error));
  }
  await writer.write({ op: 7, reply } as never);
  await writer.write({ op: "set", args: { 0: "k" }, reply } as never);
  await writer.write(
    { op: "set", args: ["k", 1], signal: "stop", reply } as never,
  );
  await writer.write({ op: "watch", args: ["k", {}], reply } as never);
  await writer.write({ op: "explode", reply } as never);
  await flushMicrotasks();
  assert.equal(replies.length, 5);
  for (const error of replies) {
    assert.ok(error instanceof TypeError, String(error));
  }
  writer.releaseLock();
  await store.set("k", 2);
  assert.equal(await store.get("k"), 2);
  await store.close();
});

test("Owner.abort() with any reason (a string, undefined, null) rejects the queue with exactly that", async () => {
  for (const reason of ["stop", null, 0]) {
    const gate = deferred();
    const owner = new Owner({}, { block: () => gate.promise, run: () => 1 });
    const running = owner.ask("block");
    const queued = owner.ask("run");
    await flushMicrotasks();
    const aborted = owner.abort(reason);
    await assert.rejects(queued, (e) => e === reason);
    gate.resolve();
    await running;
    await aborted;
  }
});

test("Owner: a command with a timeout queued behind a blocker times out cleanly even with an odd op from JS", async () => {
  const clock = manualClock();
  const gate = deferred();
  const owner = new OwnerJS({}, { block: () => gate.promise }, { clock });
  const blocked = owner.ask("block") as Promise<unknown>;
  const odd = (owner.with({ timeout: 1 }) as Record<string, Untyped>).ask(
    Symbol("odd"),
  ) as Promise<unknown>;
  clock.advance(1); // no timer callback may throw
  await assert.rejects(odd, TypeError);
  gate.resolve();
  await blocked;
  await (owner.close() as Promise<void>);
});

// ---------------------------------------------------------------- Machine

test("new Machine() without a config, or with a config that is not an object, throws a TypeError", () => {
  for (const args of [[], [null], [5], ["idle"]]) {
    assert.throws(() => new MachineJS(...args), {
      name: "TypeError",
      message: /^Cannot create Machine: config must be an object, received /,
    });
  }
});

test("new Machine() with a missing or unknown initial state throws", () => {
  const states = { idle: { on: { go: "busy" } }, busy: {} };
  assert.throws(() => new MachineJS({ states }), {
    name: "TypeError",
    message: /config.initial must be a state name, received undefined/,
  });
  assert.throws(() => new MachineJS({ initial: 0, states }), TypeError);
  assert.throws(() => new MachineJS({ initial: "nowhere", states }), {
    name: "RangeError",
    message:
      /config.initial must name a state \(known: idle, busy\), received "nowhere"/,
  });
  assert.throws(() => new MachineJS({ initial: "idle" }), {
    name: "TypeError",
    message: /config.states must be an object/,
  });
  assert.throws(() => new MachineJS({ initial: "idle", states: {} }), {
    name: "RangeError",
    message: /at least one state/,
  });
});

test("new Machine() with a transition or state timeout to an unknown target throws, naming where", () => {
  assert.throws(
    () => new MachineJS({ initial: "a", states: { a: { on: { go: "b" } } } }),
    {
      name: "RangeError",
      message:
        /state "a", event "go" must name a state \(known: a\), received "b"/,
    },
  );
  assert.throws(
    () =>
      new MachineJS({
        initial: "a",
        states: { a: { on: { go: { target: "zz" } } } },
      }),
    {
      name: "RangeError",
      message: /state "a", event "go": target must name a state/,
    },
  );
  assert.throws(
    () =>
      new MachineJS({
        initial: "a",
        states: { a: { on: { go: { guard: () => true } } } },
      }),
    {
      name: "TypeError",
      message:
        /state "a", event "go": target must be a state name, received undefined/,
    },
  );
  assert.throws(
    () => new MachineJS({ initial: "a", states: { a: { on: { go: 5 } } } }),
    TypeError,
  );
  assert.throws(
    () =>
      new MachineJS({
        initial: "a",
        states: { a: { after: { 100: "gone" } } },
      }),
    RangeError,
  );
  assert.throws(
    () =>
      new MachineJS({ initial: "a", states: { a: { after: { soon: "a" } } } }),
    RangeError,
  );
});

test("new Machine() with non-function guards or effects, or unknown state keys, throws", () => {
  const at = (state: Record<string, unknown>) => () =>
    new MachineJS({ initial: "a", states: { a: state, b: {} } });
  assert.throws(at({ on: { go: { target: "b", guard: true } } }), {
    name: "TypeError",
    message: /guard must be a function, received true/,
  });
  assert.throws(at({ on: { go: { target: "b", action: "run" } } }), {
    name: "TypeError",
    message: /action must be a function/,
  });
  assert.throws(at({ entry: 5 }), {
    name: "TypeError",
    message: /entry must be a function/,
  });
  assert.throws(at({ exit: {} }), {
    name: "TypeError",
    message: /exit must be a function/,
  });
  assert.throws(at({ onn: {} }), {
    name: "TypeError",
    message: /unknown key \(known: on, entry, exit, after\), received "onn"/,
  });
  assert.throws(at({ on: 5 }), {
    name: "TypeError",
    message: /on must be an object of transitions/,
  });
});

test("new Machine() with a non-string (symbol) event key throws instead of ignoring it", () => {
  const go = Symbol("go");
  assert.throws(
    () =>
      new MachineJS({
        initial: "a",
        states: { a: { on: { [go]: "b" } }, b: {} },
      }),
    {
      name: "TypeError",
      message: /state "a": event names must be strings, received Symbol\(go\)/,
    },
  );
});

test("Machine: duplicate event keys cannot reach the machine (JS keeps the last); numeric keys are string events", async () => {
  // `{ go: "b", go: "c" }` is one key in JavaScript; JSON.parse keeps the last too.
  const config = JSON.parse(
    '{ "initial": "a", "states": { "a": { "on": { "go": "b", "go": "c", "1": "b" } }, "b": {}, "c": {} } }',
  );
  const machine = new MachineJS(config);
  assert.equal(await machine.send("go"), "c");
  const other = new MachineJS(config);
  await assert.rejects(other.send(1) as Promise<unknown>, {
    name: "TypeError",
    message: /event must be a string, received 1/,
  });
  assert.equal(await other.send("1"), "b");
  await Promise.all([machine.close(), other.close()]);
});

test("Machine.send() with a missing, non-string or unknown event rejects; the machine is unchanged", async () => {
  const machine = new MachineJS({
    initial: "a",
    states: { a: { on: { go: "b" } }, b: {} },
  });
  await assert.rejects(machine.send() as Promise<unknown>, {
    name: "TypeError",
    message: /event must be a string, received undefined/,
  });
  await assert.rejects(machine.send({}) as Promise<unknown>, TypeError);
  await assert.rejects(machine.send("fly") as Promise<unknown>, {
    name: "TransitionError",
    message: /unknown event \(known: go\)/,
  });
  assert.equal(await machine.state(), "a");
  assert.equal(await machine.send("go"), "b");
  await (machine.close() as Promise<void>);
});
