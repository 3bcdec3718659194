// The aegis_schedules tool (#12): the config's schedules as `aegis schedules --json` lists them (timing, next fire,
// last fire and its run's status). Read-only: firing one is the operator's (`aegis schedules run <name>`).

import { AegisError } from "../../util/errors.ts";
import { defineTool } from "../tool-def.ts";

export const schedulesTool = defineTool({
  name: "aegis_schedules",
  description: "List the project's schedules (workflows `aegis serve` fires on a cron pattern or once at a time): each with its " +
    "workflow, cron or at, time zone, overlap and catchUp policies, next fire, and last fire with its run's id and status.",
  input: {},
  readOnly: true,
  async run(_args, ctx) {
    if (!ctx.ports.listSchedules) throw new AegisError("E_STATE", "schedules are not available in this aegis process");
    return { schedules: await ctx.ports.listSchedules() };
  },
});
