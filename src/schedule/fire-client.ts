// `aegis schedules run <name>` from the CLI (#12): asks the running `aegis serve` to fire the schedule now (control
// method schedules.run). Schedules fire only under serve, so without one it says how to start it or run the workflow.

import { dirname } from "node:path";
import type { LoadedConfig } from "../config/validate.ts";
import { statePath } from "../runtime.ts";
import { connectServe } from "../serve/client.ts";
import { AegisError } from "../util/errors.ts";
import { unknownSchedule } from "./service.ts";

export async function fireScheduleViaServe(cfg: LoadedConfig, name: string): Promise<string> {
  const s = cfg.schedules[name];
  if (!s) throw unknownSchedule(name, Object.keys(cfg.schedules));
  const client = await connectServe(dirname(statePath(cfg)));
  if (!client) {
    throw new AegisError("E_STATE", `no aegis serve is running for this project on this machine (its .aegis/serve.sock), and schedules fire only under serve`, {
      data: { schedule: name },
      hint: `start it with \`aegis serve\`, run this on the machine whose serve should fire it (one sharing the PostgreSQL database elsewhere is not asked), or run the workflow once with \`aegis run ${s.workflow}\``,
    });
  }
  return (await client.call<{ runId: string }>("schedules.run", { name })).runId;
}
