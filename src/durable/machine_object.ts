import { describe } from "../core/describe.ts";
import type { Inspector } from "../core/inspect.ts";
import { Machine } from "../machine/machine.ts";
import type {
  MachineConfig,
  MachineSnapshot,
  MachineTransition,
} from "../machine/types.ts";
import { Owner } from "../owner.ts";
import { LiveSource } from "../core/live_stream.ts";
import type { Persistence } from "../core/persistence.ts";
import { snapshotPersistence } from "./storage_persistence.ts";
import type { DurableObjectLike } from "./store_types.ts";
import type { DurableObjectStateLike, DurableStorage } from "./types.ts";
import { AlarmClock, type StoredDeadline } from "./alarm_clock.ts";
import { type Asker, serve } from "./serve.ts";
import { fromHost, HOST } from "./host_only.ts";
import { accept, answer, closed, publish } from "./watch_hub.ts";
import { firstFrame, parseSince } from "./watch_wire.ts";

/**
 * Options of {@linkcode durableMachine}.
 *
 * @typeParam S The machine's state names.
 * @typeParam Ctx The machine's context.
 * @typeParam Env The Worker's bindings.
 *
 * @example
 * ```ts
 * import type { DurableMachineOptions } from "@warden/core/durable";
 *
 * const options: DurableMachineOptions<"idle", undefined, unknown> = {
 *   key: "connection",
 * };
 * console.log(options.key); // "connection"
 * ```
 */
export interface DurableMachineOptions<S extends string, Ctx, Env> {
  /**
   * The storage key of the snapshot.
   *
   * @default {"machine"}
   */
  key?: string;
  /**
   * Where the snapshot lives, when not in the object's own storage.
   *
   * @default {snapshotPersistence(state.storage, key)}
   */
  persistence?: (
    state: DurableObjectStateLike,
    env: Env,
  ) => Persistence<MachineSnapshot<S, Ctx>>;
  /**
   * Whether clients may `watch()` the machine's transitions: the snapshot
   * then also carries a transition count and the last transition (no extra
   * storage row), so a client that reconnects knows what it missed.
   * Watches use hibernatable WebSockets (`state.acceptWebSocket`).
   *
   * @default {false}
   */
  watchable?: boolean;
  /**
   * Inspection events of the hosted machine (sends, transitions, refused
   * events, state timeouts), as `OwnerOptions.inspect`. Called inside the
   * object, in workerd; a machine restored after a failed save is a new
   * owner (a new `ownerId`).
   *
   * @default {undefined}
   */
  inspect?: Inspector;
  /**
   * Whether those events carry arguments and results, as
   * `OwnerOptions.inspectValues`.
   *
   * @default {false}
   */
  inspectValues?: boolean;
}

/**
 * The class {@linkcode durableMachine} returns. Its static `"~types"` field
 * exists only in the type system: it carries the machine's types to
 * `machineClient<typeof MyMachine>()`.
 *
 * @typeParam S The machine's state names.
 * @typeParam E The machine's event names.
 * @typeParam Ctx The machine's context.
 * @typeParam Env The Worker's bindings.
 *
 * @example
 * ```ts
 * import { durableMachine, type DurableMachineClass } from "@warden/core/durable";
 *
 * const Door: DurableMachineClass<"shut" | "open", "open" | "shut", undefined, unknown> =
 *   durableMachine(() => ({
 *     initial: "shut",
 *     states: { shut: { on: { open: "open" } }, open: { on: { shut: "shut" } } },
 *   }));
 * console.log(typeof Door); // "function"
 * ```
 */
export interface DurableMachineClass<
  S extends string,
  E extends string,
  Ctx,
  Env,
> {
  /** Called by the runtime when the object starts. */
  new (state: DurableObjectStateLike, env: Env): DurableObjectLike;
  /** Type-level only: never set at run time. */
  readonly "~types"?: { state: S; event: E; context: Ctx };
}

/** What `build` makes from a saved snapshot (or none): a running machine. */
interface Built<S extends string, E extends string, Ctx> {
  machine: Machine<S, E, Ctx>;
  clock: AlarmClock;
  /** The machine's transitions not yet saved (watchable only). */
  recorder: Recorder | undefined;
  /** Resolves once the recorder is subscribed. */
  ready: Promise<void>;
  /** Transitions committed so far, and the last one (watchable only). */
  v: number;
  last: MachineTransition<S, E> | undefined;
}

interface Hosted<S extends string, E extends string, Ctx>
  extends Built<S, E, Ctx> {
  readonly state: DurableObjectStateLike;
  saved: Saved<S, Ctx> | undefined;
  readonly build: (
    saved: Saved<S, Ctx> | undefined,
  ) => Built<S, E, Ctx>;
  readonly persistence: Persistence<MachineSnapshot<S, Ctx>>;
  readonly storage: DurableStorage;
  /** The alarm as last set (`null`: none); `undefined` until first set. */
  armed?: number | null;
}

/** What is stored: the snapshot and its state's pending timeouts. */
type Saved<S extends string, Ctx> = MachineSnapshot<S, Ctx> & {
  timers?: StoredDeadline[];
  v?: number;
  last?: MachineTransition<string, string>;
};

/**
 * Makes a Durable Object class that hosts a `Machine` with its
 * `{ state, context }` in the object's transactional storage. Talk to it
 * with {@linkcode machineClient}.
 *
 * Each `send` runs through one owner's command stream: the machine moves
 * (its async effects may await `fetch()`; no other command runs
 * meanwhile), the new snapshot is written, and only then is the reply
 * sent. If the write fails, the send fails and the machine is rebuilt from
 * the last saved snapshot. A refused event rejects with `TransitionError`
 * on the caller's side, whichever request sent the events before it.
 *
 * On wake the machine is rebuilt from the saved snapshot: it starts in
 * the saved state, so that state's `entry` effect runs again, as after any
 * restart.
 *
 * State timeouts (`after`) are durable: each pending deadline is saved with
 * the snapshot, and the object's one alarm is armed for the earliest. When
 * the alarm runs (after an eviction or a restart of the runtime too), the
 * due timeouts fire in the object's command stream, only if the machine is
 * still in the entry of the state that armed them, and the new snapshot is
 * saved before the alarm handler returns. A timeout's transition is
 * committed once; if the handler fails before its save, the runtime
 * retries the alarm and the timeout fires again from the saved state, so
 * its effects may run more than once (see docs/durable_live.md).
 *
 * @param config The machine's config, from the object's bindings.
 * @param options Where the snapshot is kept.
 * @returns The Durable Object class.
 *
 * @example
 * ```ts
 * import { durableMachine } from "@warden/core/durable";
 *
 * const Connection = durableMachine(() => ({
 *   initial: "idle",
 *   states: {
 *     idle: { on: { send: "inflight", close: "closing" } },
 *     inflight: { on: { done: "idle", close: "closing" } },
 *     closing: {},
 *   },
 * }));
 * console.log(typeof Connection); // "function"; export it from the Worker
 * ```
 */
export function durableMachine<
  S extends string,
  E extends string = never,
  Ctx = undefined,
  Env = unknown,
>(
  config: (env: Env) => MachineConfig<S, E, Ctx>,
  options: DurableMachineOptions<S, Ctx, Env> = {},
): DurableMachineClass<S, E, Ctx, Env> {
  if (typeof config !== "function") {
    throw new TypeError(
      `Cannot create durableMachine: config must be a function from env to a machine config, received ${
        describe(config)
      }`,
    );
  }
  const key = options.key ?? "machine";
  const watchable = options.watchable === true;
  const persist = options.persistence ??
    ((state: DurableObjectStateLike) =>
      snapshotPersistence<MachineSnapshot<S, Ctx>>(state.storage, key));
  return class DurableMachine {
    readonly #owner: Promise<Asker>;
    constructor(state: DurableObjectStateLike, env: Env) {
      const persistence = persist(state, env);
      const base = config(env);
      const build = (saved: Saved<S, Ctx> | undefined) => {
        const clock = new AlarmClock(timersOf(saved), Date.now);
        const machine = new Machine<S, E, Ctx>(
          saved === undefined
            ? base
            : { ...base, initial: saved.state, context: saved.context },
          {
            clock,
            inspect: options.inspect,
            inspectValues: options.inspectValues,
          },
        );
        const { recorder, ready } = watchable
          ? record(machine as unknown as Machine<string, string, unknown>)
          : { recorder: undefined, ready: Promise.resolve() };
        const built: Built<S, E, Ctx> = {
          machine,
          clock,
          recorder,
          ready,
          v: typeof saved?.v === "number" ? saved.v : 0,
          last: saved?.last as MachineTransition<S, E> | undefined,
        };
        return built;
      };
      this.#owner = state.blockConcurrencyWhile(async () => {
        const saved: Saved<S, Ctx> | undefined = await persistence.load();
        const hosted: Hosted<S, E, Ctx> = {
          ...build(saved),
          saved,
          build,
          persistence,
          storage: state.storage,
          state,
        };
        await hosted.ready;
        const owner = new Owner(
          hosted as unknown as AnyHosted,
          handlers,
        );
        // The initial state's own timeouts (a new object), or the restored
        // ones, in storage and on the alarm before the first command.
        await owner.ask("settle", HOST);
        return owner as unknown as Asker;
      });
    }
    async fetch(request: Request): Promise<Response> {
      const owner = await this.#owner;
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        const since = parseSince(new URL(request.url));
        if (typeof since === "string") {
          return new Response(`Cannot watch: ${since}`, { status: 400 });
        }
        if (!watchable) {
          return new Response(
            "Cannot watch: this machine is not watchable (durableMachine(config, { watchable: true }))",
            { status: 404 },
          );
        }
        return await owner.ask("watch", HOST, since) as Response;
      }
      return serve(owner, request);
    }
    webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
      answer(socket, message);
    }
    webSocketClose(socket: WebSocket): void {
      closed(socket);
    }
    /** Fires the state timeouts that are due; called by the runtime. */
    async alarm(): Promise<void> {
      await (await this.#owner).ask("alarm", HOST);
    }
  };
}

type AnyHosted = Hosted<string, string, unknown>;

function timersOf(saved: unknown): StoredDeadline[] {
  const timers = (saved as { timers?: unknown } | undefined)?.timers;
  if (!Array.isArray(timers)) return [];
  return timers.filter((t): t is StoredDeadline =>
    typeof t?.ms === "number" && typeof t?.due === "number"
  );
}

/**
 * Saves the machine's snapshot with its pending deadlines and arms the
 * alarm for the earliest (both writes issued together: one atomic commit).
 * If the save fails, the machine goes back to what storage holds.
 */
async function save(hosted: AnyHosted): Promise<void> {
  const snapshot: Saved<string, unknown> = await hosted.machine.snapshot();
  const timers = hosted.clock.stored();
  if (timers.length > 0) snapshot.timers = timers;
  const records = hosted.recorder?.records.splice(0) ?? [];
  if (hosted.recorder !== undefined) {
    snapshot.v = hosted.v + records.length;
    const last = records.at(-1) ?? hosted.last;
    if (last !== undefined) snapshot.last = last;
  }
  const earliest = hosted.clock.earliest();
  try {
    const writes = [hosted.persistence.save(snapshot), alarm(hosted, earliest)];
    await Promise.all(writes);
  } catch (error) {
    // Memory moved but storage did not: go back to what storage holds.
    const stale = hosted.machine;
    Object.assign(hosted, hosted.build(hosted.saved));
    hosted.armed = undefined;
    await hosted.ready;
    await stale.abort(error);
    throw error;
  }
  hosted.saved = snapshot;
  for (const record of records) {
    hosted.last = record;
    publish(hosted.state, MACHINE_TAG, ++hosted.v, record);
  }
}

const MACHINE_TAG = "m";

/**
 * The machine's transitions as it commits them, collected in its turn: a
 * watcher the machine pushes to directly, with no stream between (a
 * stream's `read()` of a queued value settles later on workerd than on
 * Node, so reading one at save time could miss what was just committed).
 */
class Recorder extends LiveSource<MachineTransition<string, string>> {
  readonly records: MachineTransition<string, string>[] = [];
  constructor() {
    super(1);
  }
  override push(value: MachineTransition<string, string>): void {
    this.records.push(value);
  }
  override close(): void {}
  override error(): void {}
}

/** Subscribes a recorder to `machine`; resolves once it is subscribed. */
function record(
  machine: Machine<string, string, unknown>,
): { recorder: Recorder; ready: Promise<void> } {
  const recorder = new Recorder();
  const ready = new Promise<void>((resolve, reject) => {
    const writer = machine.writable.getWriter();
    writer.write({
      op: "watch",
      args: [recorder],
      reply: { resolve: () => resolve(), reject },
    }).catch(reject);
    writer.releaseLock();
  });
  return { recorder, ready };
}

async function alarm(
  hosted: AnyHosted,
  at: number | undefined,
): Promise<void> {
  const storage = hosted.storage;
  if ((at ?? null) === hosted.armed) return;
  if (at === undefined) {
    await storage.deleteAlarm?.();
    hosted.armed = null;
    return;
  }
  if (storage.setAlarm === undefined) {
    throw new TypeError(
      "Cannot arm a state timeout: the object's storage has no setAlarm, received a storage without alarms",
    );
  }
  await storage.setAlarm(at);
  hosted.armed = at;
}

const handlers = {
  async send(
    hosted: AnyHosted,
    event: string,
    payload?: unknown,
  ): Promise<string> {
    const to = await hosted.machine.send(event, payload);
    await save(hosted);
    return to;
  },
  /** After a start: store what the machine armed, if anything changed. */
  async settle(hosted: AnyHosted, key: unknown): Promise<void> {
    fromHost("settle", key);
    await hosted.machine.state(); // the start command (entry, arm) ran
    hosted.clock.settle();
    if (hosted.clock.dirty) await save(hosted);
    else await alarm(hosted, hosted.clock.earliest());
  },
  /** The alarm: fire what is due, save, re-arm for the next deadline. */
  async alarm(hosted: AnyHosted, key: unknown): Promise<void> {
    fromHost("alarm", key);
    hosted.armed = null; // the runtime consumed the alarm that called us
    await hosted.machine.state();
    // Each fire queues its transition in the machine's stream; a timeout
    // whose state entry was left meanwhile is dropped by the machine.
    for (const fire of hosted.clock.due(Date.now())) fire();
    await hosted.machine.state();
    await save(hosted);
  },
  state(hosted: AnyHosted): Promise<string> {
    return hosted.machine.state();
  },
  /** A watch starts or resumes: its first frame in the machine's turn. */
  async watch(
    hosted: AnyHosted,
    key: unknown,
    since: number | undefined,
  ): Promise<Response> {
    fromHost("watch", key);
    const state = await hosted.machine.state();
    return accept(
      hosted.state,
      MACHINE_TAG,
      firstFrame(since, hosted.v, state, hosted.last),
    );
  },
  snapshot(hosted: AnyHosted): Promise<MachineSnapshot<string, unknown>> {
    return hosted.machine.snapshot();
  },
  can(hosted: AnyHosted, event: string, payload?: unknown): Promise<boolean> {
    return hosted.machine.can(event, payload);
  },
};
