// Test helpers for workflows: a runtime on an in-memory (or temp-file) store with Scripted agents and a queue, and a
// way to run a workflow and collect its events. Only for tests.

import { validateConfig, type LoadedConfig } from "../../src/config/validate.ts";
import { Scripted, type ScriptedOptions } from "../../src/config/providers.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import type { RunEvent } from "../../src/ui/events.ts";
import { startRun, resumeRun, type RunOptions, type RunOutcome } from "../../src/workflow/runner.ts";
import { getRun } from "../../src/store/runs.ts";
import type { Workflow } from "../../src/workflow/registry.ts";

export interface TestRig extends AsyncDisposable {
  rt: Runtime;
  config: LoadedConfig;
  events: RunEvent[];
  run(wf: Workflow<any, any>, args?: Record<string, unknown>, opts?: RunOptions): Promise<RunOutcome>;
  resume(wf: Workflow<any, any>, runId: string, opts?: RunOptions): Promise<RunOutcome>;
}

export const echo = (prefix: string): ScriptedOptions["reply"] => (prompt, { turn }) => `${prefix}${turn}: ${prompt.split("\n").pop()}`;

/** A runtime with agents `writer` and `reviewer` (Scripted) and a queue `review`, at `root` (default the cwd). */
export function rig(o: { agents?: Record<string, ScriptedOptions>; root?: string; storePath?: string } = {}): TestRig {
  const agents = o.agents ?? {
    writer: { reply: echo("w"), usage: { costUsd: 0.01 } },
    reviewer: { reply: echo("r"), usage: { costUsd: 0.02 } },
  };
  const raw = {
    agents: Object.fromEntries(Object.entries(agents).map(([k, v]) => [k, { provider: new Scripted(v) }])),
    queues: { review: { agent: Object.keys(agents).includes("reviewer") ? "reviewer" : Object.keys(agents)[0]!, maxParallel: 2 } },
  };
  const root = o.root ?? process.cwd();
  const config = validateConfig(raw, `${root}/.aegis.ts`, root);
  const store = openStore(o.storePath ?? ":memory:");
  const rt = createRuntime({ config, store, queues: { pollMs: 0 } });
  const events: RunEvent[] = [];
  const onEvent = (e: RunEvent) => events.push(e);
  return {
    rt, config, events,
    run: (wf, args = {}, opts = {}) => startRun(rt, wf, args, { onEvent, ...opts }),
    resume: (wf, runId, opts = {}) => resumeRun(rt, wf, getRun(rt.store, runId)!, { onEvent, ...opts }),
    async [Symbol.asyncDispose]() {
      await rt.close();
      store.close();
    },
  };
}
