// `aegis schedules [--json]` lists the config's schedules with their next fire and last run; `aegis schedules run
// <name>` fires one now through the running `aegis serve` (schedules fire only under serve). Parse → call → print.

import { defineCommand } from "citty";
import { scheduleViewsDb, type ScheduleView } from "../schedule/status.ts";
import { openDb } from "../store/open.ts";
import { out } from "../ui/log.ts";
import { UsageError } from "../util/errors.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";

export default defineCommand({
  meta: { name: "schedules", description: "List schedules (next fire, last run); `aegis schedules run <name>` fires one now" },
  args: {
    // `run <name>` is parsed as positionals rather than a subcommand, so `aegis schedules --json` keeps its flags.
    action: { type: "positional", description: "run", required: false },
    name: { type: "positional", description: "The schedule to fire", required: false },
    ...configArgs, ...jsonArg,
  },
  async run({ args }) {
    const cfg = await loadConfigFromArgs(args);
    if (args.action !== undefined) {
      if (args.action !== "run" || !args.name) throw new UsageError("usage: aegis schedules [run <name>] [--json]");
      const { fireScheduleViaServe } = await import("../schedule/fire-client.ts");
      const runId = await fireScheduleViaServe(cfg, args.name);
      return void out(args.json ? JSON.stringify({ schedule: args.name, runId }) : runId);
    }
    const db = await openDb({ config: cfg });
    let views: ScheduleView[];
    try {
      views = await scheduleViewsDb(cfg.schedules, db, Date.now());
    } finally {
      await db.close();
    }
    if (args.json) return void out(JSON.stringify(views, null, 2));
    if (views.length === 0) return void out('no schedules: add schedules: { nightly: { cron: "0 3 * * *", workflow: "..." } } to .aegis.ts');
    for (const v of views) out(describe(v));
  },
});

function describe(v: ScheduleView): string {
  const when = v.cron ? `${v.cron}${v.tz ? ` (${v.tz})` : ""}` : `at ${v.at}`;
  const next = v.enabled ? (v.next ?? "never") : "disabled";
  const last = v.last
    ? `${v.last.scheduledAt} ${v.last.state}${v.last.runId ? ` ${v.last.runId} ${v.last.runStatus ?? "?"}` : ""}${v.last.manual ? " (manual)" : ""}`
    : "never fired";
  return `${v.name.padEnd(16)} ${v.workflow.padEnd(16)} ${when.padEnd(24)} next ${next}  last ${last}`;
}
