// The control API's method table: what a client (src/serve/client.ts) may ask a running `aegis serve` over its Unix
// socket. Each entry takes the JSON params of one request and returns a JSON-serializable result, or throws an
// AegisError (sent back as { error: { code, message, hint } }). The socket server (src/serve/socket.ts) dispatches
// here by method name; it must not hold handlers of its own. Services add their entries with targeted edits.

import type { Runtime } from "../runtime.ts";
import { fireScheduleNow } from "../schedule/service.ts";
import type { TaskStatus } from "../store/tasks.ts";
import { AegisError, UsageError } from "../util/errors.ts";
import type { ServeContext } from "./service.ts";
import { runtimeVerbs, type Verbs } from "./verbs.ts";
import { sendAnswer, sendSignal } from "../workflow/signals.ts";
import { controlStream } from "./stream.ts";

/** What a handler may use: the serve's context and its runtime (store, sessions, queues). */
export interface ControlContext {
  ctx: ServeContext;
  rt: Runtime;
}

export type ControlHandler = (params: Record<string, unknown>, c: ControlContext) => Promise<unknown> | unknown;

const verbs = (c: ControlContext): Verbs => runtimeVerbs(c.rt, c.ctx);

/** Method name → handler. Entries are added by the parts of serve that own them. */
export const controlHandlers: Record<string, ControlHandler> = {
  ping: () => ({ pid: process.pid }),
  "runs.list": (p, c) => verbs(c).listRuns(optInt(p, "limit") ?? 50),
  "runs.show": (p, c) => verbs(c).showRun(str(p, "runId")),
  "tasks.list": (p, c) => verbs(c).listTasks({
    ...(optStr(p, "queue") ? { queue: optStr(p, "queue")! } : {}),
    ...(optStr(p, "status") ? { status: optStr(p, "status") as TaskStatus } : {}),
    ...(optInt(p, "limit") ? { limit: optInt(p, "limit")! } : {}),
  }),
  enqueue: (p, c) => verbs(c).enqueue(str(p, "queue"), str(p, "payload"), optStr(p, "key")),
  "cancel.task": (p, c) => verbs(c).cancelTask(str(p, "taskId"), optInt(p, "waitMs") ?? 10_000),
  "cancel.run": (p, c) => verbs(c).cancelRun(str(p, "runId"), optInt(p, "waitMs") ?? 10_000),
  "run.start": async (p, c) => ({ runId: await verbs(c).startDetached(str(p, "workflow"), obj(p, "args")) }),
  "run.resume": async (p, c) => {
    await verbs(c).resumeDetached(str(p, "runId"));
    return { runId: str(p, "runId") };
  },
  signal: (p, c) => sendSignal(c.rt.db, str(p, "runId"), str(p, "event"), p.payload ?? null, optStr(p, "sender")),
  answer: (p, c) => sendAnswer(c.rt.db, str(p, "runId"), optStr(p, "key"), str(p, "value")),
  "schedules.run": async (p, c) => ({ runId: await fireScheduleNow(c.ctx, str(p, "name")) }),
  // Every transcript row of one session the serve hosts, as it is buffered (before it is written), with its position
  // in the transcript: aegis ui merges them with the rows it reads from the database (#14).
  // A session started from aegis ui (`N`) lives in the serve, so it outlives the UI; it can be closed the same way.
  "sessions.spawn": async (p, c) => {
    const s = await c.rt.sessions.spawn(str(p, "agent"), { spawnedBy: "user", ...(optStr(p, "prompt") ? { prompt: optStr(p, "prompt")! } : {}) });
    return { handle: s.handle, id: s.id };
  },
  "sessions.close": async (p, c) => {
    const handle = str(p, "handle");
    const s = c.rt.sessions.list().find((x) => x.handle === handle);
    if (!s) throw new AegisError("E_NOT_FOUND", `aegis serve hosts no session ${handle}`, { hint: "aegis ui shows which process hosts a session" });
    if (s.spawnedBy !== "user") {
      throw new AegisError("E_USAGE", `${handle} belongs to ${s.spawnedBy ?? "the serve"}, which closes it when it is done`, { hint: "cancel its run or task instead" });
    }
    await c.rt.sessions.close(handle);
    return { handle };
  },
  "events.watch": (p, c) => {
    const sessionId = str(p, "sessionId");
    return controlStream((send) => c.rt.sessions.onRows((e) => {
      if (e.sessionId === sessionId) send(e.row);
    }));
  },
};

function str(p: Record<string, unknown>, key: string): string {
  const v = p[key];
  if (typeof v !== "string" || v === "") throw new UsageError(`control request: "${key}" must be a non-empty string`);
  return v;
}

function optStr(p: Record<string, unknown>, key: string): string | undefined {
  return p[key] === undefined ? undefined : str(p, key);
}

function optInt(p: Record<string, unknown>, key: string): number | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new UsageError(`control request: "${key}" must be a non-negative integer`);
  return v;
}

function obj(p: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = p[key] ?? {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new UsageError(`control request: "${key}" must be an object`);
  return v as Record<string, unknown>;
}
