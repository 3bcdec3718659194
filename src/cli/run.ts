// `aegis run <name|file.ts> [--key=value …] [--json] [--answer k=v] [--timeout 30m] [--max-cost 5]`: runs a workflow.
// The workflow's return value goes to stdout (as JSON unless it is a string); progress, logs and the summary go to
// stderr; `--json` puts NDJSON events on stdout instead. A run that does not end `done` rethrows its error, so the
// CLI root picks the exit code (1 failed, 2 usage, 130 interrupted). Shared with `aegis resume`.

import { defineCommand, type ArgsDef } from "citty";
import type { Runtime } from "../runtime.ts";
import type { RunEvent } from "../ui/events.ts";
import { out, writeErr } from "../ui/log.ts";
import { ndjsonView, plainView, type RunDisplay } from "../ui/run-display.ts";
import { appendStepSummary, summaryText } from "../ui/summary.ts";
import { AegisError } from "../util/errors.ts";
import { argsUsage, coerceCliArgs } from "../workflow/arg-schema.ts";
import { runFlags, type RunFlags } from "../workflow/args.ts";
import type { AskRoute } from "../workflow/ask.ts";
import { startRunRuntime } from "../workflow/queue-serving.ts";
import { looksLikeFile, resolveWorkflow } from "../workflow/loader.ts";
import { resolve } from "node:path";
import type { RunOptions, RunOutcome } from "../workflow/runner.ts";
import { interrupted, loadConfigFromArgs, workDir } from "./context.ts";
import { parseCommandLine, type AegisArgsDef } from "./parse.ts";

export const runFlagArgs = {
  json: { type: "boolean", description: "Print NDJSON events on stdout ({v:1, type, runId, seq, at, …})" },
  answer: { type: "string", repeatable: true, description: "Answer an askHuman question: --answer key=value (repeatable)", valueHint: "key=value" },
  timeout: { type: "string", description: "Stop the run after this long (90s, 30m, 2h); it stays resumable", valueHint: "duration" },
  "max-cost": { type: "string", description: "Stop the run once it has cost this many USD; it stays resumable", valueHint: "usd" },
  config: { type: "string", description: "Path to the config file", valueHint: "file" },
  cwd: { type: "string", description: "Run as if started in this folder", valueHint: "dir" },
} as const satisfies AegisArgsDef;

const runArgs = {
  workflow: {
    type: "positional", required: true,
    description: "A registered workflow's name, or a file: .ts, or a no-code .yaml, .yml or .json. This process runs queue workers only for the queues the workflow enqueues or delegates to. `aegis run <workflow> --help` lists the workflow's own --key=value arguments",
  },
  detach: { type: "boolean", description: "Start the run in this project's running `aegis serve`, print its runId and return" },
  ...runFlagArgs,
} as const satisfies ArgsDef;

export default defineCommand({
  meta: { name: "run", description: "Run a workflow by name or file: aegis run <name|file.ts|file.yaml> [--key=value …]" },
  args: runArgs,
  async run({ args }) {
    const flags = runFlags(args);
    const config = await loadConfigFromArgs(flags);
    const wf = await resolveWorkflow(config, args.workflow, workDir(flags));
    // Typed by the workflow's schema here; validated (defaults applied) by startRun, as for every way a run starts.
    const wfArgs = coerceCliArgs((args as { extra?: Record<string, string | true | (string | true)[]> }).extra ?? {}, wf.args, wf.name);
    if (args.detach) {
      const { verbsFor } = await import("../serve/verbs.ts");
      const { verbs } = await verbsFor(config, workDir(flags));
      // A file is named by its absolute path: the serve runs in the project root, not in this folder.
      const runId = await verbs.startDetached(looksLikeFile(args.workflow) ? resolve(workDir(flags), args.workflow) : wf.name, wfArgs);
      return void out(args.json ? JSON.stringify({ runId }) : runId);
    }
    const { rt, serveQueue } = await startRunRuntime({ config });
    const { startRun } = await import("../workflow/runner.ts");
    await runAndReport(rt, flags, (opts) => startRun(rt, wf, wfArgs, { ...opts, serveQueue }));
  },
});

/** The workflow section of `aegis run <workflow> --help`: its description and arguments, from its schema. */
export async function workflowUsage(argv: string[]): Promise<string> {
  const { args } = parseCommandLine(runArgs, argv.filter((a) => a !== "--help" && a !== "-h"), "run", { passthrough: true });
  const flags = runFlags(args);
  const wf = await resolveWorkflow(await loadConfigFromArgs(flags), String(args.workflow), workDir(flags));
  return `\n${argsUsage(wf)}`;
}

/** Runs with the view the flags and the terminal call for, prints the outcome, and rethrows a failure. */
export async function runAndReport(rt: Runtime, flags: RunFlags, go: (opts: RunOptions) => Promise<RunOutcome>): Promise<void> {
  const view = await pickView(flags);
  const ask = await terminalAsk(view);
  let end: Extract<RunEvent, { type: "run_end" }> | undefined;
  let outcome: RunOutcome;
  try {
    outcome = await go({
      signal: interrupted,
      answers: flags.answers,
      ...(flags.timeoutMs !== undefined ? { timeoutMs: flags.timeoutMs } : {}),
      ...(flags.maxCostUsd !== undefined ? { maxCostUsd: flags.maxCostUsd } : {}),
      ...(ask ? { ask } : {}),
      onEvent: (e) => {
        if (e.type === "run_end") end = e;
        view.event(e);
      },
    });
  } finally {
    view.close();
    await finishLocalTasks(rt);
    await rt.close();
  }
  if (end && !flags.json) writeErr(`${summaryText(end)}\n`);
  if (outcome.status === "done" && !flags.json && outcome.result !== undefined) {
    out(typeof outcome.result === "string" ? outcome.result : JSON.stringify(outcome.result, null, 2));
  }
  // After the result: a summary file that cannot be written only warns (on stderr) and never changes the exit code.
  if (end) appendStepSummary(end);
  if (outcome.status === "done") return;
  throw outcome.error ?? new AegisError("E_WORKFLOW", `the run ended ${outcome.status}`);
}

/**
 * Queue tasks this process's workers took on (on the queues the run used: tasks it enqueued without waiting, or
 * others' pending there) are finished before exiting, since closing would fail them as interrupted. Ctrl-C skips it.
 */
async function finishLocalTasks(rt: Runtime): Promise<void> {
  const n = rt.queues.dispatcher.running.size;
  if (n === 0 || interrupted.aborted) return;
  writeErr(`aegis: waiting for ${n} queue task${n === 1 ? "" : "s"} this process is running (Ctrl-C to stop ${n === 1 ? "it" : "them"})\n`);
  await new Promise<void>((resolve) => {
    interrupted.addEventListener("abort", () => resolve(), { once: true });
    void rt.queues.idle().then(resolve, resolve);
  });
}

async function pickView(flags: RunFlags): Promise<RunDisplay> {
  if (flags.json) return ndjsonView();
  if (process.stderr.isTTY && !process.env.CI && process.env.TERM !== "dumb") {
    const { progressView } = await import("../ui/progress.ts"); // only terminals pay for it
    return progressView(process.stderr, { color: !process.env.NO_COLOR });
  }
  return plainView();
}

/** A terminal prompt for askHuman, when both ends are a terminal (never with --json: stdout belongs to NDJSON). */
async function terminalAsk(view: RunDisplay): Promise<AskRoute | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const { askOnTerminal } = await import("../workflow/ask.ts");
  const ask = askOnTerminal();
  return async (req, signal) => {
    view.pause();
    try {
      return await ask(req, signal);
    } finally {
      view.resume();
    }
  };
}

export type { RunFlags };
