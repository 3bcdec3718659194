// The PostgreSQL schema of the fleet prototype (#15): the `tasks` table with the same columns as SQLite's (times as
// int8 milliseconds, flags as int4 0/1, JSON as text, so a row copies between backends unchanged), plus the fleet
// columns (`fence`, `host`), the trigger-kept `queue_counts`, NOTIFY triggers, and `owners` with lease columns. Applied
// by migrate.ts under an advisory lock. It must not hold SQLite text: each backend owns its dialect.

/** One versioned step of the PostgreSQL schema. */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/** ms since the epoch by the database's clock: every lease decision uses it, so worker clocks may disagree. */
export const PG_NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::int8";

export const PG_FLEET_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "tasks, queue counts and workers",
    up: `CREATE TABLE tasks (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id text NOT NULL UNIQUE,
      queue text NOT NULL,
      payload text NOT NULL,
      enqueued_by text NOT NULL,
      callback int4 NOT NULL DEFAULT 0,
      idempotency_key text,
      status text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
      owner text,
      worker_handle text,
      worker_session text,
      cancel_requested int4 NOT NULL DEFAULT 0,
      result text,
      error text,
      enqueued_at int8 NOT NULL,
      started_at int8,
      finished_at int8,
      cost_usd float8 NOT NULL DEFAULT 0,
      input_tokens int8 NOT NULL DEFAULT 0,
      output_tokens int8 NOT NULL DEFAULT 0,
      branch text, base text, commit_sha text, diff_files int4, diff_added int4, diff_removed int4,
      fence int8 NOT NULL DEFAULT 0,
      host text
    );
    CREATE UNIQUE INDEX tasks_idempotency ON tasks (queue, idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX tasks_pending ON tasks (queue, seq) WHERE status = 'pending';
    CREATE INDEX tasks_running ON tasks (owner) WHERE status = 'running';
    CREATE INDEX tasks_finished ON tasks (queue, finished_at) WHERE finished_at IS NOT NULL;
    CREATE TABLE queue_counts (queue text PRIMARY KEY, pending int8 NOT NULL DEFAULT 0, running int8 NOT NULL DEFAULT 0);
    CREATE FUNCTION tasks_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE queue_counts SET pending = pending - (OLD.status = 'pending')::int, running = running - (OLD.status = 'running')::int
          WHERE queue = OLD.queue;
      END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO queue_counts AS c (queue, pending, running)
          VALUES (NEW.queue, (NEW.status = 'pending')::int, (NEW.status = 'running')::int)
          ON CONFLICT (queue) DO UPDATE SET pending = c.pending + excluded.pending, running = c.running + excluded.running;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER tasks_count_insert AFTER INSERT OR DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION tasks_count();
    CREATE TRIGGER tasks_count_update AFTER UPDATE OF status ON tasks FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION tasks_count();
    CREATE FUNCTION tasks_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('aegis_tasks', NEW.queue);
      RETURN NULL;
    END $$;
    CREATE TRIGGER tasks_notify_insert AFTER INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION tasks_notify();
    CREATE TRIGGER tasks_notify_free AFTER UPDATE OF status ON tasks FOR EACH ROW
      WHEN (OLD.status = 'running' AND NEW.status != 'running') EXECUTE FUNCTION tasks_notify();
    CREATE TABLE owners (
      id text PRIMARY KEY,
      pid int4 NOT NULL,
      host text NOT NULL,
      proc_start text,
      started_at int8 NOT NULL,
      labels text NOT NULL DEFAULT '[]',
      queues text NOT NULL DEFAULT '[]',
      concurrency int4 NOT NULL DEFAULT 0,
      lease_ms int8 NOT NULL,
      heartbeat_at int8 NOT NULL,
      lease_expires_at int8 NOT NULL
    );
    CREATE INDEX owners_expiry ON owners (lease_expires_at);`,
  },
];
