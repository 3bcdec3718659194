// The schema of the state database, as an ordered, append-only list of migrations embedded in the binary (they are
// TypeScript strings, so `bun build --compile` carries them; no file is read at run time).
//
// How to add a migration (e.g. the workflow layer's `runs` and `steps` tables):
//   1. In the table family's own file (e.g. src/store/runs.ts), export a `Migration` with the next version number
//      and its SQL: `export const RUNS_MIGRATION: Migration = { version: 5, name: "runs and steps", up: "CREATE …" }`.
//      From version 15 on, give it a `postgres` text too: the same change in PostgreSQL types (PG-DESIGN rules: ms
//      times int8, 0/1 flags int4, JSON as text); test/store/schema-parity.test.ts fails if the two schemas differ.
//   2. Append it to MIGRATIONS below. Never edit, reorder or remove a migration that has shipped: a database that
//      applied it would not see the change. To change a table, add a new migration that alters it.
// openStore applies every migration newer than the database in one write transaction, so a failed migration
// leaves the database as it was, and two processes opening the same file never both apply one. PostgreSQL starts at
// its baseline (src/store/postgres/baseline.ts, = SQLite version 14) and applies the `postgres` texts after it, once,
// under an advisory lock.

import type { Database } from "bun:sqlite";
import { CLAIMS_MIGRATION } from "./claims.ts";
import { EVENTS_MIGRATION } from "./events.ts";
import { fleetMigration } from "./fleet-migration.ts";
import { groupsMigration } from "./groups.ts";
import { INBOX_MIGRATION } from "./inbox.ts";
import { OWNERS_MIGRATION } from "./owners.ts";
import { notifyMigration } from "./notify-migration.ts";
import { RUNS_MIGRATION } from "./runs.ts";
import { runsByCallerMigration, schedulesMigration } from "./schedules.ts";
import { taskWorktreesMigration } from "./task-worktrees.ts";
import { waitsMigration } from "./waits.ts";
import { SESSIONS_MIGRATION } from "./sessions.ts";
import { QUEUE_COUNTS_MIGRATION, TASKS_MIGRATION } from "./tasks.ts";
import { worktreesMigration } from "./worktrees.ts";

export interface Migration {
  /** 1, 2, 3, …: the position in MIGRATIONS plus one. */
  readonly version: number;
  readonly name: string;
  /** SQL (several statements allowed) or a function for changes SQL alone cannot express. */
  readonly up: string | ((db: Database) => void);
  /** The same change on PostgreSQL; required from version 15 (versions 1-14 are the PostgreSQL baseline). */
  readonly postgres?: string;
}

/** The last version the PostgreSQL baseline covers: later migrations carry their own `postgres` text. */
export const PG_BASELINE_VERSION = 14;

export const MIGRATIONS: readonly Migration[] = [
  OWNERS_MIGRATION, // 1
  SESSIONS_MIGRATION, // 2
  EVENTS_MIGRATION, // 3
  INBOX_MIGRATION, // 4
  TASKS_MIGRATION, // 5
  RUNS_MIGRATION, // 6
  QUEUE_COUNTS_MIGRATION, // 7
  CLAIMS_MIGRATION, // 8
  worktreesMigration(9), // 9
  taskWorktreesMigration(10), // 10
  waitsMigration(11), // 11
  schedulesMigration(12), // 12
  runsByCallerMigration(13), // 13
  groupsMigration(14), // 14 = PG_BASELINE_VERSION
  fleetMigration(15), // 15
  notifyMigration(16), // 16
];
