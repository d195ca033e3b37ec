// Serves one request to a hosted owner: parse the batch, send every command
// to the owner's stream in order (all in this turn, so no other request's
// commands land between them), reply with every outcome. Internal.
import {
  CONTENT_TYPE,
  parseCommands,
  toWireError,
  type WireCommand,
  type WireResult,
} from "./wire.ts";

/** The one method of an owner that serving needs. */
export interface Asker {
  ask(op: string, ...args: unknown[]): Promise<unknown>;
}

/** Runs a request's commands through `owner`; replies with the results. */
export async function serve(owner: Asker, request: Request): Promise<Response> {
  if (request.method !== "POST") {
    return json({
      error: {
        name: "TypeError",
        message: `Cannot ${request.method}: send commands with POST`,
      },
    }, 405);
  }
  let commands: WireCommand[];
  try {
    commands = parseCommands(await request.json());
  } catch (error) {
    return json({ error: toWireError(error) }, 400);
  }
  const replies = commands.map((command) => {
    try {
      return owner.ask(command.op, ...command.args);
    } catch (error) {
      return Promise.reject(error);
    }
  });
  const results: WireResult[] = [];
  for (const reply of replies) {
    try {
      const value = await reply;
      results.push(value === undefined ? { ok: true } : { ok: true, value });
    } catch (error) {
      results.push({ ok: false, error: toWireError(error) });
    }
  }
  return json({ results }, 200);
}

function json(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": CONTENT_TYPE },
  });
}
