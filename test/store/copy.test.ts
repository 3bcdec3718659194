// Copying state between backends (#15, the core of `aegis migrate --to`): a SQLite state with rows in every kind of
// table goes to PostgreSQL and back to a new SQLite file, and every table reads back identical; ids continue after the
// copied ones on PostgreSQL; a non-empty target is refused.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyState } from "../../src/store/copy.ts";
import { appendEvents } from "../../src/store/events.ts";
import { insertInbox } from "../../src/store/inbox.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { PG_MIGRATIONS } from "../../src/store/postgres/baseline.ts";
import { openPg } from "../../src/store/postgres/connect.ts";
import { insertRun, startStep, finishStep } from "../../src/store/runs.ts";
import { recordFires } from "../../src/store/schedules.ts";
import { insertSession } from "../../src/store/sessions.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { claimTasks, finishTask, insertTask } from "../../src/store/tasks.ts";
import { insertSignal, parkRun, recordTimer } from "../../src/store/waits.ts";
import { freshDatabase, pgAvailability, sharedPostgres } from "../helpers/postgres.ts";

const pg = pgAvailability();
const dir = mkdtempSync(join(tmpdir(), "aegis-copy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SCHEMA = MIGRATIONS;
const T = 1_700_000_000_000;

function seed(store: Store): void {
  store.write(() => {
    insertSession(store, { id: "ses_1", handle: "alice", agent: "claude", provider: "claude", owner: "own_1", createdAt: T });
    appendEvents(store, "ses_1", [
      { turn: 1, at: T + 1, event: { type: "prompt", text: "hello" } },
      { turn: 1, at: T + 2, event: { type: "text", text: "hi there" } as never },
    ]);
    insertInbox(store, { target: "alice", sender: "bob", body: "a note", at: T + 3 });
    for (let i = 0; i < 1_205; i++) insertTask(store, { id: `task_${i}`, queue: i % 2 ? "a" : "b", payload: `p${i}`, enqueuedBy: "test", callback: i % 3 === 0, at: T + i });
    for (const t of claimTasks(store, "a", 3, "own_1", T + 5_000)) finishTask(store, t.id, "running", { status: "done", result: "ok", error: null, at: T + 6_000, costUsd: 0.25, outputTokens: 7 });
    claimTasks(store, "b", 2, "own_1", T + 7_000);
    insertRun(store, { id: "run_1", workflow: "tdd", args: { n: 1 }, owner: "own_1", at: T });
    startStep(store, { runId: "run_1", seq: 1, kind: "agent", label: "write", digest: "d1", attempt: 1, at: T + 10 });
    finishStep(store, "run_1", 1, { status: "done", output: "\"out\"", at: T + 20 } as never);
    parkRun(store, { run_id: "run_1", state: "sleeping", wake_at: T + 99_000, event: null, question: null, at: T + 30 });
  });
  recordTimer(store, "run_1", 2, T + 99_000);
  insertSignal(store, { runId: "run_1", event: "go", payload: { x: 1 }, at: T + 40 });
  recordFires(store, "nightly", T, [{ scheduledAt: T, state: "pending" }], T);
}

function dump(store: Store): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  const tables = store.db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_version' ORDER BY name").all();
  for (const { name } of tables) out[name] = store.db.query(`SELECT * FROM ${name} ORDER BY 1, 2`).all();
  return out;
}

test.skipIf(!pg.ok)("SQLite → PostgreSQL → SQLite gives back every row unchanged (#15)", async () => {
  const source = openStore(join(dir, "source.db"), { migrations: SCHEMA });
  const back = openStore(join(dir, "back.db"), { migrations: SCHEMA });
  const { sql } = await openPg(await freshDatabase(await sharedPostgres()), PG_MIGRATIONS, 2);
  try {
    seed(source);
    const there = await copyState({ kind: "sqlite", store: source }, { kind: "postgres", sql });
    expect(there.find((c) => c.table === "tasks")).toEqual({ table: "tasks", source: 1_205, target: 1_205 });
    expect(there.find((c) => c.table === "queue_counts")).toEqual({ table: "queue_counts", source: 2, target: 2 });
    const [{ seq }] = await sql`INSERT INTO tasks (id, queue, payload, enqueued_by, status, enqueued_at)
      VALUES ('task_new', 'a', 'p', 'test', 'pending', 1) RETURNING seq`;
    expect(Number(seq)).toBe(1_206); // identities continue after the copied ids
    await sql`DELETE FROM tasks WHERE id = 'task_new'`;
    await copyState({ kind: "postgres", sql }, { kind: "sqlite", store: back });
    expect(dump(back)).toEqual(dump(source));
    const refused = await copyState({ kind: "sqlite", store: source }, { kind: "postgres", sql }).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe("E_STATE");
    expect(String(refused)).toContain("already has rows");
  } finally {
    source.close();
    back.close();
    await sql.close();
  }
});
