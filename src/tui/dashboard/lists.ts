// The dashboard's lists as lines: one tab each for sessions, queues, runs, tasks and (with a serve) schedules, a row
// per entry with fixed columns, the selected row highlighted and scrolled into view. Pure: snapshot in, lines out.

import { formatUsd } from "../../util/format.ts";
import type { Snapshot } from "../source/model.ts";
import { fit, pad, span, type Line, type Span, type Style } from "../theme.ts";

export const TABS = ["sessions", "queues", "runs", "tasks", "schedules"] as const;
export type Tab = (typeof TABS)[number];

export type Selected =
  | { tab: "sessions"; handle: string; id: string; state: string; closed: boolean; hostGone: boolean }
  | { tab: "queues"; name: string }
  | { tab: "runs"; id: string; status: string; question?: { question: string; key: string; options?: string[] } }
  | { tab: "tasks"; id: string; status: string; workerSession: string | null; workerHandle: string | null }
  | { tab: "schedules"; name: string };

export function count(tab: Tab, s: Snapshot): number {
  return tab === "schedules" ? (s.schedules?.length ?? 0) : s[tab].length;
}

/** The entry at `index` of a tab, as the steering keys need it. */
export function selectedItem(tab: Tab, s: Snapshot, index: number): Selected | undefined {
  switch (tab) {
    case "sessions": {
      const v = s.sessions[index];
      return v && { tab, handle: v.handle, id: v.id, state: v.state, closed: v.closedAt !== null, hostGone: v.hostGone === true };
    }
    case "queues": {
      const v = s.queues[index];
      return v && { tab, name: v.name };
    }
    case "runs": {
      const v = s.runs[index];
      return v && { tab, id: v.id, status: v.status, ...(v.question ? { question: v.question } : {}) };
    }
    case "tasks": {
      const v = s.tasks[index];
      return v && { tab, id: v.id, status: v.status, workerSession: v.workerSession, workerHandle: v.workerHandle };
    }
    case "schedules": {
      const v = s.schedules?.[index];
      return v && { tab, name: v.name };
    }
  }
}

const STATE_STYLE: Record<string, Style> = {
  working: "accent", running: "accent", ready: "ok", done: "ok", starting: "dim", pending: "dim", closed: "dim",
  error: "err", failed: "err", crashed: "err", cancelled: "warn", interrupted: "warn", waiting: "warn", sleeping: "dim",
};

/** Room the last column (the free text) keeps on a narrow terminal; the fixed columns shrink to leave it. */
const LAST_MIN = 24;

const cols = (parts: [string, number, Style?][], width: number): Span[] => {
  const out: Span[] = [];
  let used = 0;
  const fixed = parts.slice(0, -1).reduce((n, [, w]) => n + w, 0);
  const scale = fixed > width - LAST_MIN ? Math.max(0.4, (width - LAST_MIN) / fixed) : 1;
  for (const [i, [text, w0, style]] of parts.entries()) {
    const w = Math.max(4, Math.floor(w0 * scale));
    const last = i === parts.length - 1;
    const room = last ? Math.max(0, width - used) : Math.min(w, Math.max(0, width - used));
    out.push(span(last ? fit(text, room) : `${pad(text, Math.max(0, room - 1))} `, style ?? "plain"));
    used += room;
  }
  return out;
};

function header(tab: Tab, width: number): Line {
  const h: Record<Tab, [string, number][]> = {
    sessions: [["  handle", 22], ["agent", 12], ["state", 9], ["tokens in/out", 16], ["cost", 9], ["latest", 0]],
    queues: [["  queue", 18], ["pending", 9], ["running", 9], ["done", 7], ["failed", 8], ["cancelled", 10], ["budget", 0]],
    runs: [["  run", 30], ["workflow", 16], ["status", 11], ["cost", 9], ["now", 0]],
    tasks: [["  task", 30], ["queue", 12], ["status", 10], ["worker", 18], ["payload", 0]],
    schedules: [["  schedule", 18], ["workflow", 16], ["when", 18], ["next", 24], ["last", 0]],
  };
  return cols(h[tab].map(([t, w]) => [t, w, "dim"] as [string, number, Style]), width);
}

function rows(tab: Tab, s: Snapshot, width: number): Line[] {
  switch (tab) {
    case "sessions":
      return s.sessions.map((v) => cols([
        [`  ${v.handle}`, 22], [v.agent, 12], v.hostGone ? ["host gone", 9, "err"] : [v.state, 9, STATE_STYLE[v.state]], [`${v.tokens.input}/${v.tokens.output}`, 16],
        [formatUsd(v.costUsd), 9], [v.lastLine, 0, v.closedAt !== null ? "dim" : "plain"],
      ], width));
    case "queues":
      return s.queues.map((v) => cols([
        [`  ${v.name}`, 18], [String(v.pending), 9], [String(v.running), 9, v.running ? "accent" : "plain"], [String(v.done), 7],
        [String(v.failed), 8, v.failed ? "err" : "plain"], [String(v.cancelled), 10],
        [v.budgets.map((b) => `${b.text}${b.blocked ? " BLOCKED" : ""}`).join("; ") || "-", 0, v.budgets.some((b) => b.blocked) ? "err" : "plain"],
      ], width));
    case "runs":
      return s.runs.map((v) => cols([
        [`  ${v.id}`, 30], [v.workflow, 16], [v.status, 11, STATE_STYLE[v.status]], [formatUsd(v.costUsd), 9],
        [v.question ? `asks: ${v.question.question}` : v.waitingFor ? `waiting for ${v.waitingFor}` : (v.currentStep ?? ""), 0, v.question ? "warn" : "plain"],
      ], width));
    case "tasks":
      return s.tasks.map((v) => cols([
        [`  ${v.id}`, 30], [v.queue, 12], [v.status, 10, STATE_STYLE[v.status]], [v.workerHandle ?? "-", 18], [v.payload, 0],
      ], width));
    case "schedules":
      return (s.schedules ?? []).map((v) => cols([
        [`  ${v.name}`, 18], [v.workflow, 16], [v.cron ?? v.at ?? "", 18], [v.enabled ? (v.next?.replace(/\.000Z$/, "Z") ?? "never") : "disabled", 24],
        [v.last ? `${v.last.state}${v.last.runStatus ? ` (${v.last.runStatus})` : ""}` : "-", 0],
      ], width));
  }
}

const EMPTY: Record<Tab, string> = {
  sessions: "no sessions yet: start one with n, or run a workflow (aegis run …) in another terminal",
  queues: "no queues: declare them under queues: in .aegis.ts",
  runs: "no workflow runs yet",
  tasks: "no tasks yet: aegis enqueue <queue> <payload>",
  schedules: "no schedules (they show while aegis serve runs them)",
};

/** The tab's header and the rows that fit in `height` lines, keeping `selected` in view. */
export function listLines(tab: Tab, s: Snapshot, selected: number, width: number, height: number): Line[] {
  const all = rows(tab, s, width);
  if (all.length === 0) return [header(tab, width), [span(`  ${EMPTY[tab]}`, "dim")]];
  const room = Math.max(1, height - 1);
  const first = selected >= room ? selected - room + 1 : 0;
  const visible = all.slice(first, first + room).map((line, i) => {
    if (first + i !== selected) return line;
    const flat = line.map((sp) => sp.text).join("");
    return [span(`▶${flat.slice(1)}`, "sel")];
  });
  return [header(tab, width), ...visible];
}

/** The tab bar: each tab with its count, the active one highlighted. */
export function tabBar(active: Tab, s: Snapshot): Line {
  const out: Span[] = [];
  TABS.forEach((t, i) => {
    if (t === "schedules" && !s.schedules) return;
    out.push(span(` ${i + 1} ${t} (${count(t, s)}) `, t === active ? "sel" : "dim"), span(" "));
  });
  return out;
}
