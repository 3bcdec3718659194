// `aegis runs [--json]` lists workflow runs, newest first; `aegis runs show <runId> [--json]` shows one run's steps,
// sessions, tokens, cost, duration and result or error. Runs whose process died are reported as crashed.

import { defineCommand } from "citty";
import { verbsFor, type Verbs } from "../serve/verbs.ts";
import { out } from "../ui/log.ts";
import { isForeignRun, type RunView } from "../workflow/run-status.ts";
import { formatDuration, formatUsd } from "../util/format.ts";
import { UsageError } from "../util/errors.ts";
import { configArgs, jsonArg, loadConfigFromArgs, workDir } from "./context.ts";
import { hostCell, hostColumn } from "./host-column.ts";

/** The running serve's answer when there is one, else this process reads the state database itself. */
async function verbs(args: { config?: string; cwd?: string }): Promise<Verbs> {
  return (await verbsFor(await loadConfigFromArgs(args), workDir(args))).verbs;
}

export default defineCommand({
  meta: { name: "runs", description: "List workflow runs, newest first; `aegis runs show <runId>` shows one" },
  args: {
    // `show <runId>` is parsed as positionals rather than a subcommand, so `aegis runs --json` keeps its flags.
    action: { type: "positional", description: "show", required: false },
    runId: { type: "positional", description: "The run to show", required: false },
    ...configArgs, ...jsonArg,
    limit: { type: "string", description: "How many runs (default 50)", valueHint: "n" },
  },
  async run({ args }) {
    if (args.action !== undefined) {
      if (args.action !== "show" || !args.runId) throw new UsageError(`usage: aegis runs [show <runId>] [--json]`);
      return showOne(args as typeof args & { runId: string });
    }
    const limit = args.limit === undefined ? 50 : positiveInt("--limit", args.limit);
    const runs = await (await verbs(args)).listRuns(limit);
    if (args.json) return void out(JSON.stringify(runs, null, 2));
    if (runs.length === 0) return void out("no runs yet: start one with aegis run <workflow>");
    const hosts = hostColumn(runs.map((r) => r.host));
    for (const r of runs) {
      out(`${r.runId}  ${hostCell(r.host, hosts)}${r.workflow.padEnd(16)} ${statusText(r).padEnd(11)} ${r.createdAt}  ${formatUsd(r.costUsd).padStart(7)}  ${formatDuration(r.durationMs)}`);
      if (r.parked) out(`  ${parkedLine(r.runId, r.parked)}`);
    }
  },
});

/** The run's status; a running one whose machine stopped sending heartbeats says so (#15). */
function statusText(r: RunView): string {
  return r.silent ? `${r.status} (host ${r.silent.host} silent for ${formatDuration(r.silent.forMs)})` : r.status;
}

/** What a parked run waits for, and the command that moves it on. */
function parkedLine(runId: string, p: NonNullable<RunView["parked"]>): string {
  if (p.question) {
    const opts = p.question.options?.length ? ` (${p.question.options.join(" | ")})` : "";
    return `asks: ${p.question.question}${opts} → aegis answer ${runId} <answer>`;
  }
  if (p.event) return `waits for ${p.event}${p.wakeAt ? ` until ${p.wakeAt}` : ""} → aegis signal ${runId} ${p.event} '<json>'`;
  return `sleeps until ${p.wakeAt}`;
}

function positiveInt(flag: string, raw: unknown): number {
  const n = typeof raw === "string" && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer; got "${String(raw)}"`);
  return n;
}

async function showOne(args: { runId: string; config?: string; cwd?: string; json?: boolean }): Promise<void> {
  const r = await (await verbs(args)).showRun(args.runId);
  if (args.json) return void out(JSON.stringify(r, null, 2));
  out(`${r.runId}  ${r.workflow}  ${statusText(r)}  (attempt ${r.attempt})${isForeignRun(r) ? `  on host ${r.host}` : ""}`);
  out(`  args: ${JSON.stringify(r.args)}`);
  out(`  ${r.steps.length} steps · ${r.sessions.length} sessions · ${r.tokens.input + r.tokens.output} tokens · ${formatUsd(r.costUsd)} · ${formatDuration(r.durationMs)}`);
  // A parked run's last step (its sleep, wait or question) is not running: it is what the run is parked on.
  const parked = r.error?.code === "E_PARKED";
  for (const s of r.steps) {
    const state = parked && s.status === "running" && s.durationMs === null ? "parked" : `${s.status} ${s.durationMs === null ? "unfinished" : formatDuration(s.durationMs)}`;
    out(`  [${s.step}] ${s.label}  ${state}${s.costUsd ? ` ${formatUsd(s.costUsd)}` : ""}${s.error ? `: ${s.error}` : ""}`);
  }
  for (const s of r.sessions) out(`  session ${s.handle} (${s.agent}) ${s.state} ${formatUsd(s.costUsd)}${isForeignRun(s) ? ` on host ${s.host}` : ""}`);
  if (r.result !== undefined) out(`result: ${typeof r.result === "string" ? r.result : JSON.stringify(r.result, null, 2)}`);
  if (parked) out(`parked: ${r.error!.message.replace(/^the run is parked, /, "")}`);
  else if (r.error) out(`error: ${r.error.message}${r.error.stack ? `\n${r.error.stack}` : ""}`);
}
