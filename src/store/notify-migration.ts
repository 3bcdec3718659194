// Quieter notifications on PostgreSQL (#15): every notifying commit makes each LISTENing connection of the database
// read the notification queue in a transaction of its own (PostgreSQL signals them all, whatever their channels), so
// a fleet of N workers paid N reads for each of a queue worker session's two notifications (its insert and its close),
// which only `aegis ui` listens to. Now a queue worker's session (spawned by `queue:<name>`) does not notify
// `aegis_sessions` itself: its task's claim does, once, with the worker session's id (src/store/tasks.ts
// workerSessionId), in the claim's own commit; its close is followed by its task's finish (`aegis_tasks`). Other
// sessions notify as before. SQLite has no notifications (its wake-ups watch the WAL): nothing to change there.
// It must not change which commits wake queue workers (`aegis_tasks`: insert, slot freed, cancel request).

import type { Migration } from "./migrations.ts";

export function notifyMigration(version: number): Migration {
  return {
    version,
    name: "queue worker sessions announced by their claim",
    up: () => {}, // SQLite: nothing (no notification triggers)
    postgres: `DROP TRIGGER sessions_notify ON sessions;
    CREATE TRIGGER sessions_notify AFTER INSERT OR UPDATE OF state ON sessions FOR EACH ROW
      WHEN (NEW.spawned_by IS NULL OR NEW.spawned_by NOT LIKE 'queue:%') EXECUTE FUNCTION aegis_notify('sessions', 'id');
    CREATE FUNCTION aegis_notify_claim() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('aegis_sessions', 'ses_' || substr(NEW.id, strpos(NEW.id, '_') + 1));
      RETURN NULL;
    END $$;
    CREATE TRIGGER tasks_notify_claim AFTER UPDATE OF status ON tasks FOR EACH ROW
      WHEN (OLD.status = 'pending' AND NEW.status = 'running') EXECUTE FUNCTION aegis_notify_claim();`,
  };
}
