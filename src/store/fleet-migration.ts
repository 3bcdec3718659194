// The fleet migration (#15), SQLite text and its PostgreSQL twin: leases on owners (a worker's labels, queues,
// concurrency, lease and machine), a per-claim fence and an optional host pin on tasks, and the host that holds a
// session, a run (its parked files) and a worktree, plus the owner that recorded a schedule fire. Columns only; the
// families that read them own their SQL. Both texts must describe the same columns (test/store/schema-parity.test.ts).

import type { Migration } from "./migrations.ts";

export function fleetMigration(version: number): Migration {
  return {
    version,
    name: "fleet leases, fences and hosts",
    up: `ALTER TABLE tasks ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE tasks ADD COLUMN host TEXT;
    ALTER TABLE owners ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE owners ADD COLUMN queues TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE owners ADD COLUMN concurrency INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE owners ADD COLUMN lease_ms INTEGER;
    ALTER TABLE owners ADD COLUMN heartbeat_at INTEGER;
    ALTER TABLE owners ADD COLUMN lease_expires_at INTEGER;
    ALTER TABLE owners ADD COLUMN machine_id TEXT;
    CREATE INDEX owners_expiry ON owners (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
    ALTER TABLE sessions ADD COLUMN host TEXT;
    ALTER TABLE runs ADD COLUMN host TEXT;
    ALTER TABLE worktrees ADD COLUMN host TEXT;
    ALTER TABLE schedule_fires ADD COLUMN fired_by TEXT;`,
    postgres: `ALTER TABLE tasks ADD COLUMN fence int8 NOT NULL DEFAULT 0;
    ALTER TABLE tasks ADD COLUMN host text;
    ALTER TABLE owners ADD COLUMN labels text NOT NULL DEFAULT '[]';
    ALTER TABLE owners ADD COLUMN queues text NOT NULL DEFAULT '[]';
    ALTER TABLE owners ADD COLUMN concurrency int4 NOT NULL DEFAULT 0;
    ALTER TABLE owners ADD COLUMN lease_ms int8;
    ALTER TABLE owners ADD COLUMN heartbeat_at int8;
    ALTER TABLE owners ADD COLUMN lease_expires_at int8;
    ALTER TABLE owners ADD COLUMN machine_id text;
    CREATE INDEX owners_expiry ON owners (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
    ALTER TABLE sessions ADD COLUMN host text;
    ALTER TABLE runs ADD COLUMN host text;
    ALTER TABLE worktrees ADD COLUMN host text;
    ALTER TABLE schedule_fires ADD COLUMN fired_by text;`,
  };
}
