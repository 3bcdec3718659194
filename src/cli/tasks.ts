// `aegis tasks [--queue q] [--status s] [--json]`: the queue tasks in the state database, oldest first. Read-only:
// it opens the store and never dispatches. Also holds the task formatting that `task` and `enqueue` print.

import { defineCommand } from "citty";
import type { LoadedConfig } from "../config/validate.ts";
import type { Task } from "../queue/task.ts";
import { openSqliteStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";
import type { TaskStatus } from "../store/tasks.ts";
import { out } from "../ui/log.ts";
import { UsageError } from "../util/errors.ts";
import { formatUsd } from "../util/format.ts";
import { verbsFor } from "../serve/verbs.ts";
import { configArgs, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";
import { hostCell, hostColumn } from "./host-column.ts";

export const STATUSES: readonly TaskStatus[] = ["pending", "running", "done", "failed", "cancelled"];

export function parseStatus(s: string | undefined): TaskStatus | undefined {
  if (s === undefined || s === "") return undefined;
  if ((STATUSES as string[]).includes(s)) return s as TaskStatus;
  throw new UsageError(`--status must be one of ${STATUSES.join(", ")}; got "${s}"`);
}

/** Opens the project's state database for reading (creating it, empty, if it does not exist yet). */
export function openStateStore(config: LoadedConfig): Store {
  return openSqliteStore(config);
}

/**
 * One line per task: id, the host that ran it (only with a `hosts` width from hostColumn: once another machine's
 * worker appears, #15), queue, status, first line of the payload.
 */
export function taskLine(t: Task, hosts = 0): string {
  const first = t.payload.split("\n")[0] ?? "";
  const payload = first.length > 60 ? `${first.slice(0, 57)}...` : first;
  return `${t.taskId}  ${hostCell(t.host, hosts)}${t.queue}  ${t.status.padEnd(9)}  ${t.enqueuedAt}  ${payload}`;
}

/** Every field of a task, for `aegis task <id>`. */
export function taskDetail(t: Task): string {
  const lines = [
    `task:       ${t.taskId}`,
    `queue:      ${t.queue}`,
    `status:     ${t.status}`,
    `enqueuedBy: ${t.enqueuedBy}${t.callback ? " (callback)" : ""}`,
    `enqueued:   ${t.enqueuedAt}`,
  ];
  if (t.idempotencyKey) lines.push(`key:        ${t.idempotencyKey}`);
  if (t.startedAt) lines.push(`started:    ${t.startedAt}`);
  if (t.finishedAt) lines.push(`finished:   ${t.finishedAt}`);
  if (t.workerHandle) lines.push(`worker:     ${t.workerHandle}`);
  if (t.host) lines.push(`host:       ${t.host}`);
  if (t.branch) {
    const d = t.diff ?? { files: 0, added: 0, removed: 0 };
    lines.push(`branch:     ${t.branch} @ ${t.commit ? t.commit.slice(0, 12) : "no commit (nothing changed)"} (${d.files} file${d.files === 1 ? "" : "s"}, +${d.added} -${d.removed})`);
  }
  if (t.costUsd || t.tokens.input || t.tokens.output) lines.push(`usage:      ${t.tokens.input} in, ${t.tokens.output} out, ${formatUsd(t.costUsd)}`);
  lines.push("payload:", indent(t.payload));
  if (t.result !== null) lines.push("result:", indent(t.result));
  if (t.error !== null) lines.push("error:", indent(t.error));
  return lines.join("\n");
}

function indent(s: string): string {
  return s.split("\n").map((l) => `  ${l}`).join("\n");
}

export default defineCommand({
  meta: { name: "tasks", description: "List queue tasks (pending, running, done, failed, cancelled)" },
  args: {
    ...configArgs,
    ...jsonArg,
    queue: { type: "string", description: "Only this queue", valueHint: "name" },
    status: { type: "string", description: `Only this status: ${STATUSES.join(", ")}`, valueHint: "status" },
    limit: { type: "string", description: "At most this many (the oldest first)", valueHint: "n" },
  },
  async run({ args }) {
    const status = parseStatus(args.status);
    const limit = args.limit === undefined ? undefined : Number(args.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive integer; got "${args.limit}"`);
    const { verbs } = await verbsFor(await loadConfigFromArgs(args), workDir(args));
    const tasks = await verbs.listTasks({ ...(args.queue ? { queue: args.queue } : {}), ...(status ? { status } : {}), ...(limit ? { limit } : {}) });
    if (args.json) return void out(JSON.stringify(tasks, null, 2));
    if (tasks.length === 0) return void out("no tasks");
    const hosts = hostColumn(tasks.map((t) => t.host));
    for (const t of tasks) out(taskLine(t, hosts));
  },
});
