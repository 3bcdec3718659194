// The aegis_signal tool (#12): sends a signal to a workflow run waiting in engine.waitFor(event), as `aegis signal`
// does. The sender recorded with it is the authenticated caller, never an argument. A signal sent before the run
// waits is kept for it; a parked run is woken by aegis serve.

import { z } from "zod";
import { AegisError } from "../../util/errors.ts";
import { senderOf } from "../identity.ts";
import { arg, defineTool } from "../tool-def.ts";

export const signalTool = defineTool({
  name: "aegis_signal",
  description: "Send a signal to a workflow run that waits (or will wait) for it with engine.waitFor(event); the payload is " +
    "what waitFor returns. Returns {runId, event, signalId, wakes} (wakes: the run was parked waiting for this event).",
  input: {
    runId: arg.id("run").describe("The run (run_…)."),
    event: arg.name().describe("The event name the workflow waits for."),
    payload: z.unknown().optional().describe("Any JSON value, e.g. {\"approved\": true}."),
  },
  run({ runId, event, payload }, ctx) {
    if (!ctx.ports.signalRun) throw new AegisError("E_STATE", "signals are not available in this aegis process");
    return ctx.ports.signalRun(runId, event, payload ?? null, senderOf(ctx.caller));
  },
});
