// `aegis task <id> [--json]`: one queue task with its payload, result, error, worker and usage. Read-only.

import { defineCommand } from "citty";
import { toTask } from "../queue/task.ts";
import { openDb } from "../store/open.ts";
import { out } from "../ui/log.ts";
import { AegisError } from "../util/errors.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";
import { taskDetail } from "./tasks.ts";

export default defineCommand({
  meta: { name: "task", description: "Show one queue task: status, payload, result, error" },
  args: {
    id: { type: "positional", description: "The task id (task_…)", required: true },
    ...configArgs,
    ...jsonArg,
  },
  async run({ args }) {
    const db = await openDb({ config: await loadConfigFromArgs(args) });
    try {
      const row = await db.tasks.getTask(args.id);
      if (!row) throw new AegisError("E_NOT_FOUND", `no task ${args.id}`, { hint: "`aegis tasks` lists the known tasks" });
      const t = toTask(row);
      out(args.json ? JSON.stringify(t, null, 2) : taskDetail(t));
    } finally {
      await db.close();
    }
  },
});
