// `aegis logs <handle|task|session|run> [--follow] [--json]`: a session's transcript from the store (every prompt and
// agent event), by handle (the live session holding it, else the latest), by task id (its worker) or session id;
// by run id, those of every session the run spawned (logs-run.ts).
// --follow keeps printing new events until the session closes (for a task, then says on stderr if it failed or was
// cancelled). Read-only.
// It reads the state database, with or without a running `aegis serve`, rather than asking the serve over its socket:
// every process (serve, `aegis run`, `aegis work`) commits a session's events there within one write batch (a few ms),
// so the database shows a session live wherever it runs, and following survives a serve restart.

import { defineCommand } from "citty";
import { isoSeconds } from "../session/sender.ts";
import type { Db } from "../store/api.ts";
import { rowToEvent, type EventRow, type TranscriptEvent } from "../store/events.ts";
import { openDb } from "../store/open.ts";
import type { SessionRow } from "../store/sessions.ts";
import { TERMINAL } from "../store/tasks.ts";
import { logger, out } from "../ui/log.ts";
import { AegisError } from "../util/errors.ts";
import { formatDuration, formatUsd } from "../util/format.ts";
import { configArgs, interrupted, jsonArg, loadConfigFromArgs } from "./context.ts";
import { printRunLogs } from "./logs-run.ts";

export default defineCommand({
  meta: { name: "logs", description: "Print a session's transcript (by handle, task id or session id), or a run's sessions' (by run id)" },
  args: {
    target: { type: "positional", description: "A session handle, a task id (task_…), a session id (ses_…) or a run id (run_…)", required: true },
    follow: { type: "boolean", alias: "f", description: "Keep printing new events until the session closes (the run ends)" },
    ...configArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    const db = await openDb({ config });
    try {
      if (args.target.startsWith("run_")) return await printRunLogs(db, args.target, { follow: !!args.follow, json: !!args.json });
      let session = await findSession(db, args.target);
      while (!session && args.follow && args.target.startsWith("task_") && !interrupted.aborted) {
        await Bun.sleep(250); // the task has no worker yet: wait for one
        session = await findSession(db, args.target);
      }
      if (!session) throw await notFound(db, args.target);
      let last = 0;
      for (;;) {
        for (const row of await db.events.listEvents(session.id, last)) {
          last = row.id;
          out(args.json ? JSON.stringify({ v: 1, session: session.handle, id: row.id, turn: row.turn, at: new Date(row.at).toISOString(), event: rowToEvent(row) }) : formatEvent(row));
        }
        if (!args.follow || interrupted.aborted) break;
        if ((await db.sessions.getSessionRow(session.id))?.closed_at != null && (await db.events.listEvents(session.id, last, 1)).length === 0) break;
        // Transcript rows send no notification (they are the busiest table), so following polls, as cheaply as a read.
        await Bun.sleep(250);
      }
      if (args.follow && !interrupted.aborted && args.target.startsWith("task_")) await reportTaskEnd(db, args.target);
    } finally {
      await db.close();
    }
  },
});

/**
 * After following a task's worker until it closed: how the task ended, on stderr, when the transcript cannot say so
 * (cancelled, or failed: interrupted when its worker died or lost its lease). Its finish may land just after the close.
 */
async function reportTaskEnd(db: Db, id: string): Promise<void> {
  for (let i = 0; i < 8 && !interrupted.aborted; i++) {
    const t = await db.tasks.getTask(id);
    if (t && TERMINAL.has(t.status)) {
      if (t.status === "failed") logger().warn(`${id} failed: ${(t.error ?? "unknown error").split("\n")[0]}`);
      else if (t.status === "cancelled") logger().warn(`${id} was cancelled`);
      return;
    }
    await Bun.sleep(250);
  }
}

async function findSession(db: Db, target: string): Promise<SessionRow | null> {
  if (target.startsWith("task_")) {
    const task = await db.tasks.getTask(target);
    if (!task) throw new AegisError("E_NOT_FOUND", `no task ${target}`);
    return task.worker_session ? await db.sessions.getSessionRow(task.worker_session) : null;
  }
  if (target.startsWith("ses_")) return await db.sessions.getSessionRow(target);
  return await db.sessions.findSessionByHandle(target);
}

async function notFound(db: Db, target: string): Promise<AegisError> {
  if (target.startsWith("task_")) return new AegisError("E_NOT_FOUND", `task ${target} has no worker yet (${(await db.tasks.getTask(target))?.status})`);
  return new AegisError("E_NOT_FOUND", `no session ${target}`, { hint: "pass a session handle, a task id (task_…) or a session id (ses_…)" });
}

/** One transcript line: time, turn, and the event in a readable form. */
export function formatEvent(row: EventRow): string {
  return `${isoSeconds(row.at).slice(11, 19)} #${row.turn} ${describe(rowToEvent(row))}`;
}

function describe(e: TranscriptEvent): string {
  switch (e.type) {
    case "prompt": return `> ${e.text.replace(/\n/g, "\n  ")}`;
    case "text": return e.text;
    case "thinking": return `(thinking) ${e.text}`;
    case "tool_call": return `[tool ${e.name}] ${clip(JSON.stringify(e.input))}`;
    case "tool_result": return `[tool result${e.ok ? "" : " ERROR"}] ${clip(e.text)}`;
    case "plan": return `[plan] ${e.entries.map((p) => `${p.status === "completed" ? "x" : " "} ${p.content}`).join("; ")}`;
    case "init": return `[session ${e.providerSessionId}${e.model ? ` · ${e.model}` : ""}]`;
    case "usage": return `[usage in ${e.usage.input} out ${e.usage.output}${e.costUsd ? ` ${formatUsd(e.costUsd)}` : ""}]`;
    case "turn_end": return `[turn end: ${e.stopReason}${e.isError ? ` ERROR ${e.error ?? ""}` : ""} · ${formatDuration(e.durationMs)}${e.costUsd ? ` · ${formatUsd(e.costUsd)}` : ""}]`;
    case "unknown": return `[unknown] ${clip(JSON.stringify(e.raw))}`;
  }
}

function clip(s: string, n = 200): string {
  const one = s.replace(/\s+/g, " ");
  return one.length > n ? `${one.slice(0, n - 3)}...` : one;
}
