// `aegis signal <runId> <event> [json] [--json]`: sends the signal `event` to a run, for its engine.waitFor(event).
// The payload is the JSON given (plain words arrive as a string). A signal sent before the run waits is kept for it.

import { defineCommand } from "citty";
import { out } from "../ui/log.ts";
import { parsePayload } from "../workflow/durable.ts";
import { deliverSignal } from "../workflow/send-to-run.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";

export default defineCommand({
  meta: { name: "signal", description: "Send a signal to a workflow run waiting in engine.waitFor(event)" },
  args: {
    runId: { type: "positional", description: "The run (run_…), from `aegis runs`", required: true },
    event: { type: "positional", description: "The event name the workflow waits for", required: true },
    payload: { type: "positional", description: "The payload, as JSON (plain words are sent as a string)", required: false },
    ...configArgs, ...jsonArg,
  },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    const r = await deliverSignal(config, args.runId, args.event, parsePayload(args.payload), "cli");
    if (args.json) return void out(JSON.stringify(r));
    if (r.wakes && r.via === "serve") out(`${r.runId}: signal ${r.event} sent; aegis serve wakes the run`);
    else if (r.wakes) out(`${r.runId}: signal ${r.event} sent; the run is parked: aegis serve wakes it, or resume it now with: aegis resume ${r.runId}`);
    else out(`${r.runId}: signal ${r.event} sent; kept until the run waits for it`);
  },
});
