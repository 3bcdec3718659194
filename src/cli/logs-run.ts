// `aegis logs <runId> [--follow]`: the transcripts of every session a workflow run spawned, interleaved in the order
// their events were recorded, each line led by the session's handle. --follow goes on while the run runs or is parked
// (asleep, waiting for a signal or an answer) and stops once it has ended and its events are all printed. Read-only:
// it reads the state database, where whichever process runs the run (`aegis run` or `aegis serve`) commits them.

import type { Db } from "../store/api.ts";
import { rowToEvent, type EventRow } from "../store/events.ts";
import type { SessionRow } from "../store/sessions.ts";
import { out } from "../ui/log.ts";
import { AegisError } from "../util/errors.ts";
import { formatEvent } from "./logs.ts";
import { interrupted } from "./context.ts";

export async function printRunLogs(db: Db, runId: string, o: { follow: boolean; json: boolean }): Promise<void> {
  const first = await db.runs.getRun(runId);
  if (!first) throw new AegisError("E_NOT_FOUND", `no run ${runId}`, { hint: "list runs with: aegis runs" });
  const spawnedBy = `workflow:${first.workflow}:${first.id}`;
  const last = new Map<string, number>();
  for (;;) {
    // Read before the sessions' events: a run seen ended here has recorded every event that the next read returns.
    const run = await db.runs.getRun(runId);
    const ended = run === null || (run.status !== "running" && (await db.waits.getPark(runId)) === null);
    const sessions = await db.sessions.sessionsSpawnedBy(spawnedBy);
    const rows: { s: SessionRow; row: EventRow }[] = [];
    for (const s of sessions) for (const row of await db.events.listEvents(s.id, last.get(s.id) ?? 0)) rows.push({ s, row });
    rows.sort((a, b) => a.row.id - b.row.id);
    for (const { s, row } of rows) {
      last.set(s.id, row.id);
      out(o.json
        ? JSON.stringify({ v: 1, run: runId, session: s.handle, id: row.id, turn: row.turn, at: new Date(row.at).toISOString(), event: rowToEvent(row) })
        : `[${s.handle}] ${formatEvent(row)}`);
    }
    if (!o.follow || interrupted.aborted || ended) return;
    await Bun.sleep(250); // another process appends the events; polled like the session view of aegis logs
  }
}
