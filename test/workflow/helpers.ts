// Test helpers for workflows: a runtime on an in-memory (or temp-file) store with Scripted agents and a queue, and a
// way to run a workflow and collect its events. Only for tests.

import { validateConfig, type LoadedConfig } from "../../src/config/validate.ts";
import { ClaudeCode, GeminiCLI, Scripted, type ScriptedOptions } from "../../src/config/providers.ts";
import { dirname, join } from "node:path";
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

export const FAKE_CLAUDE = join(import.meta.dir, "../fixtures/bin/fake-claude");

/** A fake-claude agent keeping its conversations in `stateDir` and logging every executed turn to `log`. */
export function fakeClaude(stateDir: string, log: string): ClaudeCode {
  return new ClaudeCode({ model: "claude-sonnet-4-5", permission: "full", bin: FAKE_CLAUDE, env: {
    FAKE_CLAUDE_STATE_DIR: stateDir, FAKE_CLI_LOG: log, IS_SANDBOX: "1",
    // fake-claude is a `#!/usr/bin/env bun` script: the bun running the tests must be on its PATH.
    PATH: `${join(import.meta.dir, "../../node_modules/.bin")}:${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  } });
}

/** One line per turn fake-claude executed: which session, its turn number there, and the prompt. */
export async function fakeLog(file: string): Promise<{ sessionId: string; turn: number; prompt: string; pid: number; systemPrompt?: string }[]> {
  const f = Bun.file(file);
  if (!(await f.exists())) return [];
  return (await f.text()).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

/** A runtime with agents `writer` and `reviewer` (Scripted unless `providers` says otherwise) and a queue `review`. */
export function rig(o: {
  agents?: Record<string, ScriptedOptions>; providers?: Record<string, ClaudeCode | GeminiCLI>; root?: string; storePath?: string;
  replay?: { maxTokens?: number };
} = {}): TestRig {
  const agents = o.agents ?? (o.providers ? {} : {
    writer: { reply: echo("w"), usage: { costUsd: 0.01 } },
    reviewer: { reply: echo("r"), usage: { costUsd: 0.02 } },
  });
  const providers = { ...Object.fromEntries(Object.entries(agents).map(([k, v]) => [k, new Scripted(v)])), ...o.providers };
  const names = Object.keys(providers);
  const raw = {
    agents: Object.fromEntries(Object.entries(providers).map(([k, p]) => [k, { provider: p }])),
    queues: { review: { agent: names.includes("reviewer") ? "reviewer" : names[0]!, maxParallel: 2 } },
    ...(o.replay ? { replay: o.replay } : {}),
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
