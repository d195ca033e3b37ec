// Durable state timeouts with a stand-in storage (no workerd): deadlines are
// stored with the snapshot, the one alarm is armed for the earliest, and the
// alarm fires only a timeout whose state entry is still current. Runtime-
// neutral: Deno and Bun pick it up from tests/, Node in test:durable.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  durableMachine,
  type DurableNamespace,
  type DurableObjectStateLike,
  type DurableStorage,
  machineClient,
} from "../../src/durable/mod.ts";

const MS = 60_000;

// `entries` counts lit's entry (it runs again when an object wakes in lit);
// `exits` counts lit's exit, which runs once per transition out of lit.
interface Ctx {
  entries: number;
  exits: number;
}

const Lamp = durableMachine(() => ({
  initial: "off",
  context: { entries: 0, exits: 0 },
  states: {
    off: { on: { on: "lit" } },
    lit: {
      entry: (c: Ctx) => void c.entries++,
      exit: (c: Ctx) => void c.exits++,
      on: { off: "off" },
      after: { [MS]: "expired" },
    },
    expired: { on: { on: "lit" } },
  },
}));

/** A Map-backed storage with the object's one alarm slot. */
function storage(initial: Record<string, unknown> = {}) {
  const data = new Map<string, unknown>(Object.entries(initial));
  const log: (number | null)[] = [];
  let alarm: number | null = null;
  const s: DurableStorage = {
    get: (key) => Promise.resolve(structuredClone(data.get(key))),
    put: (key, value) =>
      Promise.resolve(void data.set(key, structuredClone(value))),
    delete: (key) => Promise.resolve(data.delete(key)),
    deleteAll: () => Promise.resolve(data.clear()),
    list: () => Promise.resolve(new Map(data)),
    setAlarm: (at) => {
      alarm = at;
      log.push(at);
      return Promise.resolve();
    },
    deleteAlarm: () => {
      alarm = null;
      log.push(null);
      return Promise.resolve();
    },
  };
  return {
    s,
    data,
    log,
    alarm: () => alarm,
    /** As the runtime does: the alarm is consumed, then the handler runs. */
    ring: (object: { alarm?(): Promise<void> }) => {
      alarm = null;
      return object.alarm!();
    },
  };
}

function host(s: DurableStorage) {
  const state: DurableObjectStateLike = {
    storage: s,
    blockConcurrencyWhile: (fn) => fn(),
  };
  const object = new Lamp(state, {});
  const namespace: DurableNamespace = {
    idFromName: (name) => name,
    get: () => object,
  };
  return { object, lamp: machineClient<typeof Lamp>(namespace, { name: "l" }) };
}

test("durableMachine: entering a state with after stores its deadline with the snapshot and arms the alarm for it", async () => {
  const { s, data, alarm } = storage();
  const { lamp } = host(s);
  const before = Date.now();
  assert.equal(await lamp.send("on"), "lit");
  const saved = data.get("machine") as {
    state: string;
    timers: { ms: number; due: number }[];
  };
  assert.equal(saved.state, "lit");
  assert.equal(saved.timers.length, 1);
  assert.equal(saved.timers[0]!.ms, MS);
  assert.ok(saved.timers[0]!.due >= before + MS);
  assert.equal(alarm(), saved.timers[0]!.due);
  // Leaving the state removes the deadline and disarms the alarm.
  assert.equal(await lamp.send("off"), "off");
  assert.deepEqual(data.get("machine"), {
    state: "off",
    context: { entries: 1, exits: 1 },
  });
  assert.equal(alarm(), null);
});

test("durableMachine: an after timer due while the object was down fires once after restart", async () => {
  const { s, data, alarm, ring } = storage({
    machine: {
      state: "lit",
      context: { entries: 1, exits: 0 },
      timers: [{ ms: MS, due: 1 }],
    },
  });
  const { object, lamp } = host(s);
  assert.equal(await lamp.state(), "lit");
  // On wake the restored deadline keeps its time and is armed again.
  assert.equal(alarm(), 1);
  await ring(object);
  assert.deepEqual(await lamp.snapshot(), {
    state: "expired",
    context: { entries: 2, exits: 1 }, // lit's entry ran again on wake
  });
  assert.deepEqual(data.get("machine"), {
    state: "expired",
    context: { entries: 2, exits: 1 },
  });
  assert.equal(alarm(), null);
  // A retried (duplicate) alarm finds nothing due.
  await ring(object);
  assert.equal((await lamp.snapshot()).context.exits, 1);
  // Another wake from storage: nothing fires again.
  const again = host(s);
  await ring(again.object);
  assert.deepEqual(await again.lamp.snapshot(), {
    state: "expired",
    context: { entries: 2, exits: 1 },
  });
});

test("durableMachine: a stale timer does nothing, whether its state was left or left and entered again", async () => {
  const { s, data, alarm, ring } = storage({
    machine: {
      state: "lit",
      context: { entries: 1, exits: 0 },
      timers: [{ ms: MS, due: 1 }],
    },
  });
  const { object, lamp } = host(s);
  assert.equal(await lamp.send("off"), "off");
  await ring(object); // the old deadline's alarm, delivered late
  assert.equal(await lamp.state(), "off");
  // Enter lit again: a new entry with a new deadline, a minute away.
  assert.equal(await lamp.send("on"), "lit");
  const due = alarm()!;
  assert.ok(due > Date.now());
  await ring(object); // early or stale: the new entry is not due
  assert.deepEqual(await lamp.snapshot(), {
    state: "lit",
    context: { entries: 3, exits: 1 }, // one exit: the "off"
  });
  assert.equal(alarm(), due); // still armed for the new entry's deadline
  const saved = data.get("machine") as { timers: { due: number }[] };
  assert.deepEqual(saved.timers.map((t) => t.due), [due]);
});

test("durableMachine: the alarm and restore commands cannot be sent from a request", async () => {
  const { s } = storage();
  const { object } = host(s);
  for (const op of ["alarm", "settle"]) {
    const response = await object.fetch(
      new Request("https://do/", {
        method: "POST",
        body: JSON.stringify({ commands: [{ op, args: [{}] }] }),
      }),
    );
    const body = await response.json();
    assert.equal(body.results[0].ok, false);
    assert.equal(body.results[0].error.name, "TypeError");
    assert.match(body.results[0].error.message, /the host's own command/);
  }
});

test("durableMachine: an alarm never runs between a send and its save", async () => {
  const { s, data, ring } = storage();
  // The send's save is held until released; every save's state is logged
  // as it starts and as it completes.
  const events: string[] = [];
  let release!: () => void;
  let saving!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const started = new Promise<void>((resolve) => (saving = resolve));
  let first = true;
  const put = s.put;
  s.put = async (key, value) => {
    const state = (value as { state: string }).state;
    events.push(`save ${state}`);
    if (first) {
      first = false;
      saving();
      await held;
    }
    await put(key, value);
    events.push(`saved ${state}`);
  };
  const { object, lamp } = host(s);
  const now = Date.now;
  try {
    const sent = lamp.send("on");
    await started;
    // The deadline has passed and the runtime delivers the alarm while the
    // send's save is still in flight.
    Date.now = () => now() + 2 * MS;
    const rang = ring(object);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      events,
      ["save lit"],
      "the alarm ran before the send's save completed",
    );
    release();
    assert.equal(await sent, "lit");
    await rang;
    assert.deepEqual(events, [
      "save lit",
      "saved lit",
      "save expired",
      "saved expired",
    ]);
    assert.equal((data.get("machine") as { state: string }).state, "expired");
  } finally {
    Date.now = now;
    release();
  }
});
