// Maps ACP `session/update` notifications and `session/prompt` results to aegis's AgentEvents, for one session.
// It remembers what the wire does not repeat: each tool call's name (later updates retitle it), whether its start and
// result were already reported, and the session's cumulative cost (ACP's `usage_update.cost` is per session, so a
// turn's cost is the difference). It never does I/O and never throws on odd input: unknown updates become `unknown`.

import type { AgentEvent, PlanEntry, Usage } from "../driver.ts";
import { toolNameOf, toToolKind } from "./permission-policy.ts";
import { SessionUpdate, type PromptResult, type ToolCallContent, type ToolCallUpdate } from "./wire.ts";
import { isTextChunk, isUsageUpdate } from "./wire-check.ts";

/** Updates that carry nothing aegis reports (slash commands, mode and config echoes, history replay). */
const IGNORED = new Set([
  "available_commands_update", "current_mode_update", "config_option_update", "session_info_update", "user_message_chunk",
]);

interface ToolState {
  name: string;
  started: boolean;
  finished: boolean;
}

export class UpdateMapper {
  private readonly tools = new Map<string, ToolState>();
  private turn = 0;
  private messageSeq = 0;
  private lastWasText = false;
  private costTotal?: number;
  private costAtTurnStart?: number;

  /** Starts a new turn: message ids and the turn's cost are counted from here. */
  beginTurn(): void {
    this.turn++;
    this.messageSeq = 0;
    this.lastWasText = false;
    this.costAtTurnStart = this.costTotal;
  }

  /** The tool's name as first reported, for permission requests that carry only a retitled call. */
  knownToolName(toolCallId: string): string | undefined {
    return this.tools.get(toolCallId)?.name;
  }

  /** The events for one `session/update` payload (the `update` object). */
  map(raw: unknown): AgentEvent[] {
    const kind = (raw as { sessionUpdate?: unknown } | null)?.sessionUpdate;
    if (typeof kind === "string" && IGNORED.has(kind)) return [];
    // The hot paths (streamed text, OpenCode's per-turn usage) by hand; zod for everything else (wire-check.ts).
    if (isTextChunk(raw)) return this.text(raw.content.text, raw.messageId);
    if (isUsageUpdate(raw)) return this.usageUpdate(raw);
    const parsed = SessionUpdate.safeParse(raw);
    if (!parsed.success) return [{ type: "unknown", raw }];
    const u = parsed.data;
    switch (u.sessionUpdate) {
      case "agent_message_chunk":
        if (u.content.type !== "text" || u.content.text === undefined) return [{ type: "unknown", raw }];
        return this.text(u.content.text, u.messageId);
      case "agent_thought_chunk":
        this.lastWasText = false;
        return u.content.text === undefined ? [] : [{ type: "thinking", text: u.content.text }];
      case "user_message_chunk":
        return [];
      case "tool_call":
      case "tool_call_update":
        this.lastWasText = false;
        return this.mapTool(u);
      case "plan":
        return [{ type: "plan", entries: u.entries.map(toPlanEntry) }];
      case "usage_update":
        return this.usageUpdate(u);
    }
  }

  private text(text: string, messageId: string | null | undefined): AgentEvent[] {
    if (!this.lastWasText) this.messageSeq++;
    this.lastWasText = true;
    return [{ type: "text", text, messageId: messageId ?? `msg_${this.turn}_${this.messageSeq}` }];
  }

  /** Reported once per turn, with the session's cost so far, just before turn_end (see `turnUsage`). */
  private usageUpdate(u: Extract<SessionUpdate, { sessionUpdate: "usage_update" }>): AgentEvent[] {
    if (u.cost && (u.cost.currency === undefined || u.cost.currency.toUpperCase() === "USD")) this.costTotal = u.cost.amount;
    return [];
  }

  /** A tool call aegis refused: reported as started and failed, since Gemini sends no update for it. */
  refused(call: ToolCallUpdate, reason: string): AgentEvent[] {
    const state = this.ensureTool(call);
    const out: AgentEvent[] = [];
    if (!state.started) {
      state.started = true;
      out.push({ type: "tool_call", id: call.toolCallId, name: state.name, kind: toToolKind(call.kind), input: call.rawInput ?? {} });
    }
    if (!state.finished) {
      state.finished = true;
      out.push({ type: "tool_result", id: call.toolCallId, ok: false, text: reason });
    }
    return out;
  }

  /** The turn's token usage and cost from the prompt result (ACP `usage`, or Gemini's `_meta.quota.token_count`). */
  turnUsage(result: PromptResult | undefined): { usage: Usage; costUsd?: number } {
    const u = result?.usage;
    const q = result?._meta?.quota?.token_count;
    const usage: Usage = {
      input: u?.inputTokens ?? q?.input_tokens ?? 0,
      output: u?.outputTokens ?? q?.output_tokens ?? 0,
      cacheRead: u?.cachedReadTokens ?? 0,
      cacheWrite: u?.cachedWriteTokens ?? 0,
    };
    if (this.costTotal === undefined) return { usage };
    return { usage, costUsd: Math.max(0, this.costTotal - (this.costAtTurnStart ?? 0)) };
  }

  private mapTool(u: ToolCallUpdate & { sessionUpdate: string }): AgentEvent[] {
    const state = this.ensureTool(u);
    const out: AgentEvent[] = [];
    if (!state.started) {
      state.started = true;
      out.push({ type: "tool_call", id: u.toolCallId, name: state.name, kind: toToolKind(u.kind), input: u.rawInput ?? {} });
    }
    if ((u.status === "completed" || u.status === "failed") && !state.finished) {
      state.finished = true;
      out.push({ type: "tool_result", id: u.toolCallId, ok: u.status === "completed", text: toolText(u) });
    }
    return out;
  }

  private ensureTool(call: ToolCallUpdate): ToolState {
    let state = this.tools.get(call.toolCallId);
    if (!state) {
      state = { name: toolNameOf(call), started: false, finished: false };
      this.tools.set(call.toolCallId, state);
    }
    return state;
  }
}

/** A tool's output as text: content blocks first, else `rawOutput.output` / `rawOutput.error`. */
function toolText(u: ToolCallUpdate): string {
  const parts = (u.content ?? []).map(contentText).filter((s) => s.length > 0);
  if (parts.length > 0) return parts.join("\n");
  const raw = u.rawOutput as { output?: unknown; error?: unknown } | undefined;
  if (typeof raw?.output === "string") return raw.output;
  if (typeof raw?.error === "string") return raw.error;
  return "";
}

function contentText(c: ToolCallContent): string {
  if (c.type === "content") return c.content?.text ?? "";
  if (c.type === "diff") return `diff ${c.path ?? ""}`.trim();
  return "";
}

function toPlanEntry(e: { content: string; status: string }): PlanEntry {
  const status = e.status === "in_progress" || e.status === "completed" ? e.status : "pending";
  return { content: e.content, status };
}
