// `aegis workers [--json]`: the aegis processes registered in the state database (every runtime is an owner; queue
// workers hold a lease): id, host, pid, labels, queues, concurrency, how long since its last heartbeat, and the tasks
// it runs now. Read-only; ages come from the database's clock, so a machine with a skewed clock reads them right.

import { defineCommand } from "citty";
import { DEFAULT_LEASE_MS } from "../config/schema.ts";
import { openDb } from "../store/open.ts";
import { silenceLimitMs, silentForMs } from "../store/owner-silence.ts";
import type { WorkerRow } from "../store/owners.ts";
import { out } from "../ui/log.ts";
import { formatDuration } from "../util/format.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";

/**
 * One worker as a table row. A process without a lease (aegis run, ask, chat) shows its last heartbeat too; one on
 * another machine silent for longer than `leaseMs` is marked "silent" (listed, but not counted live by migrate: #15).
 */
export function workerLine(w: WorkerRow, leaseMs = DEFAULT_LEASE_MS): string[] {
  const age = w.heartbeatAt === null ? null : `${formatDuration(w.now - w.heartbeatAt)} ago`;
  const lease = w.leaseExpiresAt !== null
    ? (w.leaseExpiresAt <= w.now ? "expired" : `${formatDuration(w.now - (w.heartbeatAt ?? w.startedAt))} ago`)
    : silentForMs(w, leaseMs) !== null ? `silent ${age}` : age ?? "-";
  return [
    w.id, w.host, String(w.pid), w.labels.join(",") || "-", w.queues.join(",") || "-",
    w.concurrency ? String(w.concurrency) : w.leaseMs > 0 ? "unlimited" : "-",
    lease, w.running.join(",") || "-",
  ];
}

/**
 * One worker as `aegis workers --json` prints it: `concurrency` is null when unlimited (0 in the database),
 * `heartbeatAgeMs` the time since its last heartbeat (null before the first), `silentMs` as `silentForMs`.
 */
export function workerJson(w: WorkerRow, leaseMs = DEFAULT_LEASE_MS): Omit<WorkerRow, "concurrency"> & {
  concurrency: number | null; heartbeatAgeMs: number | null; silentMs: number | null;
} {
  return {
    ...w, concurrency: w.concurrency > 0 ? w.concurrency : null,
    heartbeatAgeMs: w.heartbeatAt === null ? null : w.now - w.heartbeatAt, silentMs: silentForMs(w, leaseMs),
  };
}

export default defineCommand({
  meta: { name: "workers", description: "List the aegis processes using the state database: host, pid, queues, lease age, running tasks" },
  args: { ...configArgs, ...jsonArg },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    const leaseMs = silenceLimitMs(config);
    const db = await openDb({ config });
    try {
      const workers = await db.owners.listWorkers();
      if (args.json) return void out(JSON.stringify(workers.map((w) => workerJson(w, leaseMs)), null, 2));
      if (workers.length === 0) return void out("no aegis process is registered");
      const rows = [["ID", "HOST", "PID", "LABELS", "QUEUES", "CONC", "HEARTBEAT", "RUNNING"], ...workers.map((w) => workerLine(w, leaseMs))];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
    } finally {
      await db.close();
    }
  },
});
