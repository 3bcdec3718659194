// `aegis workers [--json]`: the aegis processes registered in the state database (every runtime is an owner; queue
// workers hold a lease): id, host, pid, labels, queues, concurrency, how long since its last heartbeat, and the tasks
// it runs now. Read-only; ages come from the database's clock, so a machine with a skewed clock reads them right.

import { defineCommand } from "citty";
import { openDb } from "../store/open.ts";
import type { WorkerRow } from "../store/owners.ts";
import { out } from "../ui/log.ts";
import { formatDuration } from "../util/format.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";

/** One worker as a table row. */
export function workerLine(w: WorkerRow): string[] {
  const lease = w.leaseExpiresAt === null ? "-" : w.leaseExpiresAt <= w.now ? "expired" : `${formatDuration(w.now - (w.heartbeatAt ?? w.startedAt))} ago`;
  return [
    w.id, w.host, String(w.pid), w.labels.join(",") || "-", w.queues.join(",") || "-", w.concurrency ? String(w.concurrency) : "-",
    lease, w.running.join(",") || "-",
  ];
}

export default defineCommand({
  meta: { name: "workers", description: "List the aegis processes using the state database: host, pid, queues, lease age, running tasks" },
  args: { ...configArgs, ...jsonArg },
  async run({ args }) {
    const db = await openDb({ config: await loadConfigFromArgs(args) });
    try {
      const workers = await db.owners.listWorkers();
      if (args.json) return void out(JSON.stringify(workers.map((w) => ({ ...w, leaseAgeMs: w.heartbeatAt === null ? null : w.now - w.heartbeatAt })), null, 2));
      if (workers.length === 0) return void out("no aegis process is registered");
      const rows = [["ID", "HOST", "PID", "LABELS", "QUEUES", "CONC", "HEARTBEAT", "RUNNING"], ...workers.map(workerLine)];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
    } finally {
      await db.close();
    }
  },
});
