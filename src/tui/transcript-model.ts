// A session's transcript as the UI shows it: the stored rows folded into display items (streamed text pieces of one
// message joined, thinking kept apart so it can be collapsed, each tool call paired with its result, one usage line
// per turn), then laid out as styled lines for a given width and set of expanded items. Pure: no terminal, no store.

import { formatDuration, formatUsd } from "../util/format.ts";
import type { TranscriptRow } from "./source/model.ts";
import { span, type Line, type Style } from "./theme.ts";

export type TranscriptItem =
  | { key: number; kind: "prompt"; turn: number; text: string }
  | { key: number; kind: "text"; turn: number; text: string; messageId?: string }
  | { key: number; kind: "thinking"; turn: number; text: string }
  | { key: number; kind: "tool"; turn: number; id: string; name: string; input: unknown; result?: { ok: boolean; text: string } }
  | { key: number; kind: "usage"; turn: number; input: number; output: number; costUsd?: number; durationMs: number; stopReason: string; isError: boolean; error?: string }
  | { key: number; kind: "note"; turn: number; text: string };

/** Items that fold (thinking, tool calls): collapsed unless their key is in the expanded set. */
export const FOLDABLE = new Set<TranscriptItem["kind"]>(["thinking", "tool"]);

export class TranscriptModel {
  readonly items: TranscriptItem[] = [];
  /** Bumped on every change. */
  version = 0;
  /** Rows folded so far (the benchmark checks none is dropped). */
  rows = 0;
  private readonly tools = new Map<string, Extract<TranscriptItem, { kind: "tool" }>>();

  apply(rows: readonly TranscriptRow[]): void {
    for (const r of rows) this.add(r);
    if (rows.length) this.version++;
  }

  private add(r: TranscriptRow): void {
    this.rows++;
    const e = r.event;
    const last = this.items[this.items.length - 1];
    const push = (item: TranscriptItem): void => void this.items.push(item);
    switch (e.type) {
      case "prompt": return push({ key: r.id, kind: "prompt", turn: r.turn, text: e.text });
      case "text":
        if (last?.kind === "text" && last.turn === r.turn && last.messageId === e.messageId) last.text += e.text;
        else push({ key: r.id, kind: "text", turn: r.turn, text: e.text, ...(e.messageId !== undefined ? { messageId: e.messageId } : {}) });
        return;
      case "thinking":
        if (last?.kind === "thinking" && last.turn === r.turn) last.text += e.text;
        else push({ key: r.id, kind: "thinking", turn: r.turn, text: e.text });
        return;
      case "tool_call": {
        const item = { key: r.id, kind: "tool" as const, turn: r.turn, id: e.id, name: e.name, input: e.input };
        this.tools.set(e.id, item);
        return push(item);
      }
      case "tool_result": {
        const call = this.tools.get(e.id);
        if (call) call.result = { ok: e.ok, text: e.text };
        else push({ key: r.id, kind: "tool", turn: r.turn, id: e.id, name: "(result)", input: null, result: { ok: e.ok, text: e.text } });
        return;
      }
      case "turn_end":
        return push({
          key: r.id, kind: "usage", turn: r.turn, input: e.usage.input, output: e.usage.output, durationMs: e.durationMs,
          stopReason: e.stopReason, isError: e.isError, ...(e.costUsd !== undefined ? { costUsd: e.costUsd } : {}), ...(e.error ? { error: e.error } : {}),
        });
      case "plan":
        return push({ key: r.id, kind: "note", turn: r.turn, text: `plan: ${e.entries.map((p) => `[${p.status === "completed" ? "x" : p.status === "in_progress" ? "~" : " "}] ${p.content}`).join("  ")}` });
      case "init":
      case "usage":
        return; // the model is on the dashboard; usage comes whole with turn_end
      case "unknown": {
        // A note the data source adds (rows left out of a long transcript), else an event aegis does not know.
        const raw = e.raw as { note?: unknown } | null;
        if (raw && typeof raw.note === "string") return push({ key: r.id, kind: "note", turn: r.turn, text: raw.note });
        return push({ key: r.id, kind: "note", turn: r.turn, text: `event ${(JSON.stringify(e.raw) ?? "").slice(0, 200)}` });
      }
      default:
        return push({ key: r.id, kind: "note", turn: r.turn, text: `event ${JSON.stringify(e).slice(0, 200)}` });
    }
  }
}

export interface LayoutOptions {
  width: number;
  /** Keys of expanded items. */
  expanded: ReadonlySet<number>;
  /** The key of the item the cursor is on (drawn highlighted). */
  cursor?: number;
}

/** How much of an expanded item's body is drawn. */
const MAX_BODY_LINES = 200;
const MAX_BODY_CHARS = 64 * 1024;

/** Laid-out lines of items, reused while an item, the width and its fold state stay the same. */
export type LayoutCache = Map<number, { sig: string; lines: Line[] }>;

/** Lines of the transcript, and for each line the key of the item it belongs to (for the cursor and scrolling). */
export function layoutTranscript(items: readonly TranscriptItem[], o: LayoutOptions, cache?: LayoutCache): { lines: Line[]; owners: number[] } {
  const lines: Line[] = [];
  const owners: number[] = [];
  for (const it of items) {
    for (const l of itemLines(it, o, cache)) {
      lines.push(l);
      owners.push(it.key);
    }
  }
  return { lines, owners };
}

/** The last `count` lines of the transcript, laying out only the items they come from (following a long session). */
export function layoutTail(items: readonly TranscriptItem[], o: LayoutOptions, count: number, cache?: LayoutCache): Line[] {
  const parts: Line[][] = [];
  let n = 0;
  for (let i = items.length - 1; i >= 0 && n < count; i--) {
    const lines = itemLines(items[i]!, o, cache);
    parts.push(lines);
    n += lines.length;
  }
  return parts.reverse().flat().slice(Math.max(0, n - count));
}

function itemLines(it: TranscriptItem, o: LayoutOptions, cache?: LayoutCache): Line[] {
  const sig = `${o.width}|${o.expanded.has(it.key)}|${it.key === o.cursor}|${signature(it)}`;
  let got = cache?.get(it.key);
  if (!got || got.sig !== sig) {
    got = { sig, lines: layoutItem(it, o) };
    cache?.set(it.key, got);
  }
  return got.lines;
}

function signature(it: TranscriptItem): string {
  if (it.kind === "text" || it.kind === "thinking") return String(it.text.length);
  if (it.kind === "tool") return it.result === undefined ? "-" : String(it.result.ok);
  return "";
}

function layoutItem(it: TranscriptItem, o: LayoutOptions): Line[] {
  const out: Line[] = [];
  const add = (line: Line) => out.push(line);
  const width = Math.max(10, o.width);
  const open = o.expanded.has(it.key);
  const mark = it.key === o.cursor ? "▶ " : "  ";
  const head = (text: string, style: Style) => add([span(mark, "accent"), span(text, style)]);
  const body = (text: string, style: Style = "plain") => {
    // A tool result can be megabytes (a whole file): show its head, and say how much is left out.
    const clipped = text.length > MAX_BODY_CHARS ? text.slice(0, MAX_BODY_CHARS) : text;
    const lines = wrap(clipped, width - 4);
    for (const l of lines.slice(0, MAX_BODY_LINES)) add([span("    "), span(l, style)]);
    const more = lines.length - MAX_BODY_LINES;
    if (more > 0 || clipped !== text) {
      add([span("    "), span(`… ${more > 0 ? `${more}+ more lines` : "more"} (${text.length} chars in all; aegis logs shows everything)`, "dim")]);
    }
  };
  switch (it.kind) {
    case "prompt": {
      const [first = "", ...rest] = wrap(it.text, width - 8);
      head(`you › ${first}`, "bold");
      for (const l of rest) add([span("      "), span(l, "bold")]);
      break;
    }
    case "text":
      for (const [i, l] of wrap(it.text, width - 2).entries()) add([span(i === 0 ? mark : "  ", "accent"), span(l)]);
      break;
    case "thinking":
      head(`${open ? "▾" : "▸"} thinking (${it.text.length} chars)`, "dim");
      if (open) body(it.text, "dim");
      break;
    case "tool": {
      const state = it.result === undefined ? "…" : it.result.ok ? "ok" : "failed";
      head(`${open ? "▾" : "▸"} ${it.name} ${open ? "" : oneLine(it.input, width - it.name.length - 16)} ${state}`, it.result && !it.result.ok ? "err" : "accent");
      if (open) {
        body(`input: ${JSON.stringify(it.input, null, 2) ?? "null"}`, "dim");
        if (it.result) body(`result: ${it.result.text}`, it.result.ok ? "plain" : "err");
      }
      break;
    }
    case "usage": {
      const cost = it.costUsd !== undefined ? ` · ${formatUsd(it.costUsd)}` : "";
      head(`── turn ${it.turn}: ${it.input} in / ${it.output} out${cost} · ${formatDuration(it.durationMs)} · ${it.stopReason}`, it.isError ? "err" : "dim");
      if (it.isError && it.error) body(it.error, "err");
      break;
    }
    case "note":
      head(it.text, "dim");
      break;
  }
  return out;
}

function oneLine(v: unknown, width: number): string {
  const s = (typeof v === "string" ? v : JSON.stringify(v) ?? "").replace(/\s+/g, " ");
  return s.length > Math.max(8, width) ? `${s.slice(0, Math.max(8, width) - 1)}…` : s;
}

/** Hard-wraps text at `width` columns, keeping its own line breaks. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(4, width);
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    let l = raw.replace(/\t/g, "  ");
    while (l.length > w) {
      const cut = l.lastIndexOf(" ", w);
      const at = cut > w / 2 ? cut : w;
      out.push(l.slice(0, at));
      l = l.slice(at).replace(/^ /, "");
    }
    out.push(l);
  }
  return out;
}
