// The dashboard's other panels as lines: a run's steps (with the question it asks), the footer of keys for the
// current mode (or the input line, or the status of the last action), and the `?` help screen. Pure.

import { formatDuration, formatUsd } from "../../util/format.ts";
import type { RunSummary, ScheduleView, StepView } from "../source/model.ts";
import { fit, span, type Line, type Span, type Style } from "../theme.ts";
import { wrap } from "../transcript-model.ts";
import type { Mode } from "./controller.ts";
import type { Tab } from "./lists.ts";

export function runLines(run: RunSummary | undefined, steps: readonly StepView[], width: number, height: number): Line[] {
  if (!run) return [[span("no run selected", "dim")]];
  const head: Line[] = [[span(`${run.workflow} `, "bold"), span(`${run.id} · ${run.status} · ${formatUsd(run.costUsd)}`, "dim")]];
  if (run.question) {
    const opts = run.question.options?.length ? ` [${run.question.options.join("/")}]` : "";
    head.push([span(`asks (${run.question.key}): ${run.question.question}${opts}`, "warn"), span("  a answers", "dim")]);
  } else if (run.waitingFor) head.push([span(`parked, waiting for ${run.waitingFor}`, "warn")]);
  if (run.error) head.push([span(fit(`✗ ${run.error}`, width), "err")]);
  const body: Line[] = steps.map((s) => {
    const style = s.status === "failed" ? "err" : s.status === "running" ? "accent" : "plain";
    const took = s.durationMs === null ? "…" : formatDuration(s.durationMs);
    const cost = s.costUsd ? ` ${formatUsd(s.costUsd)}` : "";
    return [span(fit(`#${s.step} ${s.kind.padEnd(8)} ${s.status.padEnd(7)} ${took.padStart(7)}${cost}  ${s.label}${s.error ? `  ✗ ${s.error}` : ""}`, width), style)];
  });
  if (body.length === 0) body.push([span("no steps yet", "dim")]);
  const room = Math.max(1, height - head.length);
  return [...head, ...body.slice(Math.max(0, body.length - room))];
}

export function scheduleLines(v: ScheduleView, width: number): Line[] {
  const row = (k: string, val: string, style: Style = "plain"): Line => [span(`${k.padEnd(10)}`, "dim"), span(fit(val, width - 10), style)];
  const last = v.last;
  return [
    row("workflow", v.workflow),
    row("when", v.cron ? `${v.cron}${v.tz ? ` (${v.tz})` : ""}` : `at ${v.at}`),
    row("next", v.enabled ? (v.next ?? "never") : "disabled", v.enabled ? "plain" : "warn"),
    row("overlap", `${v.overlap} · catch-up ${v.catchUp}`),
    row("last", last ? `${last.scheduledAt} ${last.state}${last.manual ? " (manual)" : ""}${last.runId ? ` → ${last.runId} ${last.runStatus ?? ""}` : ""}${last.reason ? ` · ${last.reason}` : ""}` : "never fired",
      last?.runStatus === "failed" || last?.runStatus === "crashed" ? "err" : "plain"),
  ];
}

/** A key hint: the key, what it does, and its rank (0 stays longest; the highest rank is left out first). */
type Hint = [key: string, what: string, rank: number];

const KEYS: Record<"list" | "detail", Hint[]> = {
  list: [["q", "quit", 0], ["↑↓", "select", 5], ["⏎", "open", 2], ["1-5/⇥", "tab", 6], ["m", "message", 1], ["i", "interrupt", 1],
    ["n/N", "spawn", 4], ["d", "close", 7], ["c", "cancel", 3], ["a", "answer", 3]],
  detail: [["q", "quit", 0], ["esc", "back", 1], ["↑↓", "item", 3], ["⏎/space", "fold", 2], ["PgUp/Dn", "scroll", 4], ["End", "follow", 5],
    ["m", "message", 1], ["i", "interrupt", 1]],
};

const HELP: Hint = ["?", "help", 0];
const hintWidth = ([k, what]: Hint): number => k.length + what.length + 3;

/**
 * The hints that fit `width`, in their order, ending with "? help" (where the others are explained): when all do not
 * fit, the highest ranks are left out (the later one first among equals), never cut in the middle (#14).
 */
export function fitHints(hints: readonly Hint[], width: number): Hint[] {
  const kept = [...hints];
  let used = [...kept, HELP].reduce((n, h) => n + hintWidth(h), 0);
  while (used > width && kept.length > 0) {
    let drop = 0;
    kept.forEach((h, i) => (h[2] >= kept[drop]![2] ? (drop = i) : undefined));
    used -= hintWidth(kept[drop]!);
    kept.splice(drop, 1);
  }
  return [...kept, HELP]; // narrower than "q quit ? help": cut at the edge like any other line
}

function keyHints(pairs: readonly (readonly [string, string, number?])[], width: number): Line {
  const out: Span[] = [];
  let used = 0;
  for (const [k, what] of pairs) {
    const len = k.length + what.length + 3;
    if (used + len > width) break;
    out.push(span(` ${k}`, "key"), span(` ${what} `, "dim"));
    used += len;
  }
  return out;
}

/** Two lines: the status of the last action (or the prompt being typed), then the keys. */
export function footerLines(mode: Mode, status: { text: string; style: Line[number]["style"] } | undefined, width: number): Line[] {
  if (mode.kind === "input") {
    const label = fit(`${mode.label}: `, Math.max(10, Math.floor(width / 2)));
    const text = `${mode.text}█`;
    const shown = text.length > width - label.length ? `…${text.slice(text.length - (width - label.length - 1))}` : text;
    return [[span(label, "bold"), span(shown)], keyHints([["⏎", "send"], ["esc", "cancel"]], width)];
  }
  if (mode.kind === "confirm") return [[span(fit(mode.question, width), "warn")], keyHints([["y", "yes"], ["any other key", "no"]], width)];
  const first: Line = status ? [span(fit(status.text, width), status.style ?? "plain")] : [span("")];
  return [first, keyHints(fitHints(KEYS[mode.kind === "detail" ? "detail" : "list"], width), width)];
}

export function helpLines(tab: Tab, width: number): Line[] {
  const KEY = 20;
  const row = (k: string, what: string): Line[] =>
    wrap(what, Math.max(10, width - KEY)).map((l, i) => [span(i === 0 ? `  ${k}`.padEnd(KEY) : " ".repeat(KEY), "key"), span(l)]);
  const note = (text: string): Line[] => wrap(text, width).map((l) => [span(l, "dim")]);
  return [
    [span("aegis ui — watch and steer this project", "title")],
    [span("")],
    ...row("1-5, ⇥, ←→", "sessions · queues · runs · tasks · schedules (schedules while aegis serve runs)"),
    ...row("↑↓ j k, PgUp/PgDn", "select in the list"),
    ...row("⏎", "open: a session's transcript, a run's steps, a task's worker transcript"),
    ...row("esc", "back to the list"),
    ...row("in a transcript", "↑↓ move between items, ⏎/space fold or unfold thinking and tool calls, End follows"),
    ...row("m", "type a message to the selected session (or running task's worker); ⏎ sends it to its inbox"),
    ...row("i", "interrupt the selected session's turn (wherever it runs: serve, aegis run, this UI)"),
    ...row("n", "start a session of an agent, hosted by this UI (it closes when the UI quits)"),
    ...row("N", "start a session of an agent in aegis serve (while one runs): it outlives this UI"),
    ...row("d", "close the selected session, if a UI started it (asks y/n)"),
    ...row("c", "cancel the selected task or run (asks y/n)"),
    ...row("a", "answer the question the selected run asks"),
    ...row("q, Ctrl-C", "quit (the terminal is restored); q asks first while sessions started here (n) still run"),
    [span("")],
    ...note("Data: the project's state database, read-only: the sessions, runs and tasks of every aegis process of this project " +
      "(aegis run, aegis work, serve, other UIs). While aegis serve runs, the transcript of a session it hosts also streams over its socket."),
    ...note(`Tab now: ${tab}.`),
    ...note("Press any key to close this help."),
  ];
}
