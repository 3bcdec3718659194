// `aegis answer <runId> [key=]value [--json]`: answers the question a run asks (engine.askHuman). Without `key=` the
// run must be parked on a question (`aegis runs` shows it) and the answer must fit its options. Under `aegis serve` the
// run then resumes by itself; without a serve the answer is recorded and `aegis resume <runId>` continues the run
// (this command does not run workflows: it returns at once). An answer sent before the question is asked is kept.

import { defineCommand } from "citty";
import { out } from "../ui/log.ts";
import { deliverAnswer } from "../workflow/send-to-run.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";

export default defineCommand({
  meta: { name: "answer", description: "Answer the question a parked workflow run asks (askHuman)" },
  args: {
    runId: { type: "positional", description: "The run (run_…), from `aegis runs`", required: true },
    answer: { type: "positional", description: "The answer, or key=value for a question asked with that key", required: true },
    ...configArgs, ...jsonArg,
  },
  async run({ args }) {
    const { key, value } = splitAnswer(args.answer);
    const r = await deliverAnswer(await loadConfigFromArgs(args), args.runId, key, value);
    if (args.json) return void out(JSON.stringify(r));
    if (r.via === "serve") out(`${r.runId}: answered ${r.key}${r.wakes ? "; aegis serve resumes the run" : "; kept until the run asks"}`);
    else out(`${r.runId}: answered ${r.key}; continue the run with: aegis resume ${r.runId}`);
  },
});

/**
 * `key=value` or a bare value. A key is a dashed word (askHuman's default keys), a no-code human node's id (letters,
 * digits, _ and -), inside a map with the item's index: `review#3`, `ok#0.2`.
 */
export function splitAnswer(text: string): { key?: string; value: string } {
  const m = /^([A-Za-z0-9_][\w-]*(?:#\d+(?:\.\d+)*)?)=(.*)$/s.exec(text);
  return m ? { key: m[1]!, value: m[2]! } : { value: text };
}
