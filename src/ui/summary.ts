// The end-of-run summary: one or two lines for the terminal (stderr) and a markdown table appended to
// $GITHUB_STEP_SUMMARY when that variable is set (GitHub Actions shows it on the job page). Built from the run_end
// event, so `--json` consumers and humans see the same facts. It must not decide exit codes.

import { appendFileSync } from "node:fs";
import type { RunEvent } from "./events.ts";
import { formatDuration, formatUsd } from "../util/format.ts";
import { writeErr } from "./log.ts";
import { errorMessage } from "../util/errors.ts";

type RunEnd = Extract<RunEvent, { type: "run_end" }>;

const MARK: Record<RunEnd["status"], string> = { done: "✓", failed: "✗", crashed: "✗", cancelled: "■", interrupted: "■" };
const RESUMABLE = new Set<RunEnd["status"]>(["failed", "crashed", "cancelled", "interrupted"]);

export function formatTokens(t: { input: number; output: number }): string {
  return `${groupDigits(t.input + t.output)} tokens`;
}

/** The facts line: steps, sessions, tokens, cost, duration, run id. */
function facts(e: RunEnd): string {
  const steps = `${e.steps.total} step${e.steps.total === 1 ? "" : "s"}${e.steps.replayed ? ` (${e.steps.replayed} replayed)` : ""}`;
  const sessions = `${e.sessions} session${e.sessions === 1 ? "" : "s"}`;
  return [steps, sessions, formatTokens(e.tokens), formatUsd(e.costUsd), formatDuration(e.durationMs), e.runId].join(" · ");
}

/** The terminal summary (no trailing newline). */
export function summaryText(e: RunEnd): string {
  const head = e.status === "done" ? `${MARK.done} ${e.workflow} done` : `${MARK[e.status]} ${e.workflow} ${e.status}: ${e.error?.message ?? "(no message)"}`;
  const lines = [head, `  ${facts(e)}`];
  if (RESUMABLE.has(e.status)) lines.push(`  resume with: aegis resume ${e.runId}`);
  return lines.join("\n");
}

/** The markdown summary for GitHub Actions. */
export function summaryMarkdown(e: RunEnd): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const rows: [string, string][] = [
    ["Status", `${MARK[e.status]} ${e.status}`],
    ["Run", `\`${e.runId}\``],
    ["Steps", `${e.steps.total} (${e.steps.live} live, ${e.steps.replayed} replayed)`],
    ["Sessions", String(e.sessions)],
    ["Tokens", `${groupDigits(e.tokens.input)} in / ${groupDigits(e.tokens.output)} out`],
    ["Cost", formatUsd(e.costUsd)],
    ["Duration", formatDuration(e.durationMs)],
  ];
  if (e.error) rows.push(["Error", cell(e.error.message)]);
  if (e.status === "done" && e.result !== undefined) {
    const r = typeof e.result === "string" ? e.result : JSON.stringify(e.result);
    rows.push(["Result", cell(r.length > 500 ? `${r.slice(0, 499)}…` : r)]);
  }
  return [`### aegis workflow \`${e.workflow}\``, "", "| | |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`), ""].join("\n");
}

/**
 * Appends the markdown summary to $GITHUB_STEP_SUMMARY, if set. Returns the file written, if any. A file that cannot
 * be written is reported through `warn` (default: a line on stderr) and never thrown: the summary is a courtesy to
 * the CI page, and the run's outcome and exit code must not depend on it.
 */
export function appendStepSummary(
  e: RunEnd,
  env: Record<string, string | undefined> = process.env,
  warn: (message: string) => void = (m) => writeErr(`aegis: warning: ${m}\n`),
): string | undefined {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  try {
    appendFileSync(file, `${summaryMarkdown(e)}\n`);
    return file;
  } catch (err) {
    warn(`could not append the run summary to ${file} ($GITHUB_STEP_SUMMARY): ${errorMessage(err)}`);
    return undefined;
  }
}

/** 1234567 → "1,234,567" (toLocaleString would load Intl's locale data: several ms at every run's end). */
export function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
