// Test helpers for workflows: a runtime on an in-memory (or temp-file) store, or on either backend (rigOn, #15), with
// Scripted agents and a queue, and a way to run a workflow and collect its events. Only for tests.

import { validateConfig, type LoadedConfig } from "../../src/config/validate.ts";
import { ClaudeCode, GeminiCLI, Scripted, type ScriptedOptions } from "../../src/config/providers.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import type { RunEvent } from "../../src/ui/events.ts";
import { startRun, resumeRun, type RunOptions, type RunOutcome } from "../../src/workflow/runner.ts";
import { openPgDb } from "../../src/store/postgres/db.ts";
import type { DbUnderTest } from "../helpers/backends.ts";
import { freshDatabase, sharedPostgres } from "../helpers/postgres.ts";
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

export interface RigOptions {
  agents?: Record<string, ScriptedOptions>; providers?: Record<string, ClaudeCode | GeminiCLI>; root?: string; storePath?: string;
  replay?: { maxTokens?: number };
}

/** A runtime with agents `writer` and `reviewer` (Scripted unless `providers` says otherwise) and a queue `review`. */
export function rig(o: RigOptions = {}): TestRig {
  const config = rigConfig(o);
  const store = openStore(o.storePath ?? ":memory:");
  return rigOver(createRuntime({ config, store, queues: { pollMs: 0 } }), config, async () => store.close());
}

/**
 * rig() on the backend a describeDb suite runs (#15): SQLite as rig() does (in memory, or a temp file with `file`, so
 * another connection can open it), PostgreSQL on a fresh database; `at` reuses another rig's `location` (a restarted
 * process). `location` is also what `b.reopen()` opens.
 */
export async function rigOn(b: DbUnderTest, o: Omit<RigOptions, "storePath"> & { file?: boolean; at?: string } = {}): Promise<TestRig & { location: string }> {
  const config = rigConfig(o);
  if (b.name === "sqlite") {
    const dir = o.file && !o.at ? mkdtempSync(join(tmpdir(), "aegis-rig-")) : null;
    const location = o.at ?? (dir ? join(dir, "state.db") : ":memory:");
    const store = openStore(location);
    return Object.assign(rigOver(createRuntime({ config, store, queues: { pollMs: 0 } }), config, async () => {
      store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }), { location });
  }
  const location = o.at ?? (await freshDatabase(await sharedPostgres()));
  const db = await openPgDb(location);
  const owner = await db.owners.registerOwner();
  return Object.assign(rigOver(createRuntime({ config, db, owner, closeDb: true, queues: { pollMs: 0 } }), config, async () => {}), { location });
}

function rigOver(rt: Runtime, config: LoadedConfig, after: () => Promise<void>): TestRig {
  const events: RunEvent[] = [];
  const onEvent = (e: RunEvent) => events.push(e);
  return {
    rt, config, events,
    run: (wf, args = {}, opts = {}) => startRun(rt, wf, args, { onEvent, ...opts }),
    resume: async (wf, runId, opts = {}) => resumeRun(rt, wf, (await rt.db.runs.getRun(runId))!, { onEvent, ...opts }),
    async [Symbol.asyncDispose]() {
      await rt.close();
      await after();
    },
  };
}

function rigConfig(o: RigOptions): LoadedConfig {
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
  return validateConfig(raw, `${root}/.aegis.ts`, root);
}
