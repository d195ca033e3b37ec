// Hostile frames: thousands of seeded random frames sent by clients to a
// watched object. Each frame that is not a ping closes its socket with the
// code the protocol names (1003 binary, 1009 oversized, 1008 anything else);
// none reaches the owner, and the object keeps serving.
import { test } from "node:test";
import assert from "node:assert/strict";
import { start } from "./_miniflare.ts";

const FRAMES = Number(process.env.WARDEN_FRAMES ?? 3000);
const seed = Number(process.env.WARDEN_SEED ?? Date.now() % 2 ** 31);

function random(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Frame = string | ArrayBuffer;

/** The protocol's rule, written out: what the object must answer. */
function expected(frame: Frame): "pong" | 1003 | 1008 | 1009 {
  if (typeof frame !== "string") return 1003;
  if (frame.length > 64) return 1009;
  try {
    const parsed = JSON.parse(frame);
    const isPing = typeof parsed === "object" && parsed !== null &&
      !Array.isArray(parsed) && Object.keys(parsed).length === 1 &&
      parsed.t === "ping";
    return isPing ? "pong" : 1008;
  } catch {
    return 1008;
  }
}

function generate(rand: () => number): Frame {
  const int = (n: number) => Math.floor(rand() * n);
  const text = (n: number) =>
    Array.from({ length: n }, () => String.fromCharCode(int(0x3000))).join("");
  switch (int(9)) {
    case 0:
      return [
        '{"t":"ping"}',
        ' { "t" : "ping" } ',
        '{"t":"ping","t":"ping"}',
      ][int(3)]!;
    case 1: {
      const bytes = new Uint8Array(int(200));
      for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
      return bytes.buffer;
    }
    case 2:
      return text(int(64));
    case 3:
      return text(65 + int(5000));
    case 4:
      return JSON.stringify(
        [
          { op: "set", args: ["fuzz", int(1000)] },
          { t: "ping", x: 1 },
          ["ping"],
          { t: "value", v: 1, value: 9 },
          { t: "PING" },
          { commands: [{ op: "clear", args: [] }] },
          null,
          int(1e6),
          { t: "ping", __proto__: { t: "x" } },
        ][int(9)],
      ) ?? "undefined";
    case 5:
      return "";
    case 6:
      return '{"t":"ping"' + text(int(10));
    case 7:
      return JSON.stringify({ t: "ping" + text(int(3)) });
    default:
      return '{"t":"ping"}'.slice(0, int(12));
  }
}

test(
  `watch sockets: ${FRAMES} seeded random frames each close their socket with the protocol's code, never reach the owner, never break the object`,
  { timeout: 600_000 },
  async (t) => {
    const worker = await start();
    const rand = random(seed);
    const frames = Array.from({ length: FRAMES }, () => generate(rand));
    const counts = { pong: 0, 1003: 0, 1008: 0, 1009: 0 };
    const open = async () => {
      const response = await worker.mf.dispatchFetch(
        "http://localhost/live/watch?token=let-me-in&key=%22fuzz%22",
        { headers: { upgrade: "websocket" } },
      );
      const ws = response.webSocket!;
      const events: { code?: number; reason?: string; data?: unknown }[] = [];
      let wake = () => {};
      ws.addEventListener("message", (e) => {
        events.push({ data: e.data });
        wake();
      });
      ws.addEventListener("close", (e) => {
        events.push({ code: e.code, reason: e.reason });
        wake();
      });
      ws.accept();
      const next = async () => {
        for (let i = 0; i < 100 && events.length === 0; i++) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 100);
          });
        }
        const event = events.shift();
        assert.ok(event, "no answer from the object within 10 s");
        return event;
      };
      assert.deepEqual(await next(), {
        data: '{"t":"value","v":1,"value":42}',
      });
      return { ws, next };
    };
    try {
      await worker.get("/live/set?key=fuzz&value=42");
      let lane = await open();
      for (const [i, frame] of frames.entries()) {
        const want = expected(frame);
        const where = `frame ${i} (seed ${seed}): ${
          typeof frame === "string"
            ? JSON.stringify(frame.slice(0, 80))
            : `${frame.byteLength} bytes`
        }`;
        lane.ws.send(frame);
        const got = await lane.next();
        if (want === "pong") {
          assert.deepEqual(got, { data: '{"t":"pong"}' }, where);
        } else {
          assert.equal(got.code, want, where);
          assert.ok((got.reason ?? "").length > 0, `${where}: no reason`);
          lane = await open();
        }
        counts[want]++;
      }
      lane.ws.close(1000, "done");
      t.diagnostic(`seed ${seed}: ${JSON.stringify(counts)}`);
      assert.ok(counts[1003] > 0 && counts[1008] > 0 && counts[1009] > 0);
      // The owner saw none of it; the object still serves and watches.
      assert.deepEqual(await worker.get("/live/get?key=fuzz"), { value: 42 });
      await worker.get("/live/set?key=fuzz&value=43");
      assert.deepEqual(await worker.get("/live/get?key=fuzz"), { value: 43 });
    } catch (error) {
      throw new Error(
        `fuzz failed with WARDEN_SEED=${seed}: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      await worker.mf.dispose();
    }
  },
);
