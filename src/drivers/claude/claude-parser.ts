// Turns one stdout line of Claude Code's stream-json into AgentEvents. Stateful only for what spans lines: the
// provider session id, the model, and the cumulative `total_cost_usd` (so each turn reports its own cost). Every line
// is validated with zod; anything unexpected (non-JSON, unknown type, wrong shape) becomes an `unknown` event and
// never throws. It does no I/O and knows nothing about turns in flight: that is the session's job.

import type { z } from "zod";
import type { AgentEvent, TurnEnd, Usage } from "../driver.ts";
import {
  AssistantLine, ControlCancelLine, ControlRequestLine, ControlResponseLine, ResultLine, SystemInit, TextBlock,
  ThinkingBlock, ToolResultBlock, ToolUseBlock, UserLine, type WireUsage,
} from "./claude-wire.ts";
import { claudeToolKind, todoPlan } from "./tool-kind.ts";

export type ParsedLine =
  /** Events for the turn in flight (possibly none). */
  | { kind: "events"; events: AgentEvent[] }
  /** The turn's `result`: a `usage` event, then the turn end (its durationMs is the CLI's own figure). */
  | { kind: "result"; events: AgentEvent[]; end: TurnEnd; permissionDenials: string[] }
  | { kind: "control_request"; requestId: string; request: { subtype: string; [k: string]: unknown } }
  | { kind: "control_response"; requestId: string; ok: boolean; error?: string; response?: unknown }
  | { kind: "control_cancel"; requestId: string };

export interface McpServerStatus {
  name: string;
  status: string;
}

const NO_EVENTS: ParsedLine = { kind: "events", events: [] };

export class ClaudeParser {
  sessionId: string | undefined;
  model: string | undefined;
  /** The permission mode the CLI reports it is actually in (it can differ from the one asked for). */
  permissionMode: string | undefined;
  /** MCP servers and their status from the last `system/init`. */
  mcpServers: McpServerStatus[] = [];
  private lastTotalCost = 0;

  parse(line: string): ParsedLine {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return unknown(line);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return unknown(raw);
    switch ((raw as { type?: unknown }).type) {
      case "system": return this.system(raw);
      case "assistant": return this.assistant(raw);
      case "user": return this.user(raw);
      case "result": return this.result(raw);
      case "control_request": return controlRequest(raw);
      case "control_response": return controlResponse(raw);
      case "control_cancel_request": return controlCancel(raw);
      case "keep_alive": return NO_EVENTS;
      default: return unknown(raw);
    }
  }

  private system(raw: object): ParsedLine {
    if ((raw as { subtype?: unknown }).subtype !== "init") return unknown(raw);
    const init = SystemInit.safeParse(raw);
    if (!init.success) return unknown(raw);
    this.sessionId = init.data.session_id;
    this.model = init.data.model ?? this.model;
    this.permissionMode = init.data.permissionMode;
    this.mcpServers = init.data.mcp_servers?.map((s) => ({ name: s.name, status: s.status })) ?? [];
    const ev: AgentEvent = { type: "init", providerSessionId: init.data.session_id };
    if (init.data.model !== undefined) ev.model = init.data.model;
    return { kind: "events", events: [ev] };
  }

  private assistant(raw: object): ParsedLine {
    const line = AssistantLine.safeParse(raw);
    if (!line.success) return unknown(raw);
    // A subagent's (Task tool) words are not the agent's answer: keep them out of `text`, but show its tool use.
    const sub = line.data.parent_tool_use_id != null;
    const messageId = line.data.message.id;
    const events: AgentEvent[] = [];
    for (const block of line.data.message.content) {
      const type = blockType(block);
      if (type === "text") {
        const b = TextBlock.safeParse(block);
        if (!b.success || sub) events.push({ type: "unknown", raw: block });
        else events.push(messageId === undefined ? { type: "text", text: b.data.text } : { type: "text", text: b.data.text, messageId });
      } else if (type === "thinking") {
        const b = ThinkingBlock.safeParse(block);
        events.push(b.success && !sub ? { type: "thinking", text: b.data.thinking } : { type: "unknown", raw: block });
      } else if (type === "tool_use") {
        const b = ToolUseBlock.safeParse(block);
        if (!b.success) {
          events.push({ type: "unknown", raw: block });
          continue;
        }
        const input = b.data.input ?? {};
        events.push({ type: "tool_call", id: b.data.id, name: b.data.name, kind: claudeToolKind(b.data.name), input });
        const plan = b.data.name === "TodoWrite" && !sub ? todoPlan(input) : undefined;
        if (plan) events.push({ type: "plan", entries: plan });
      } else {
        events.push({ type: "unknown", raw: block });
      }
    }
    return { kind: "events", events };
  }

  private user(raw: object): ParsedLine {
    const line = UserLine.safeParse(raw);
    if (!line.success) return unknown(raw);
    const content = line.data.message.content;
    // Plain user text (our own frame replayed, "[Request interrupted by user]") is kept, but as `unknown`.
    if (typeof content === "string") return unknown(raw);
    const events: AgentEvent[] = [];
    for (const block of content) {
      const b = blockType(block) === "tool_result" ? ToolResultBlock.safeParse(block) : undefined;
      if (b?.success) events.push({ type: "tool_result", id: b.data.tool_use_id, ok: b.data.is_error !== true, text: resultText(b.data.content) });
      else events.push({ type: "unknown", raw: block });
    }
    return { kind: "events", events };
  }

  private result(raw: object): ParsedLine {
    const parsed = ResultLine.safeParse(raw);
    if (!parsed.success) return unknown(raw);
    const r = parsed.data;
    if (r.session_id) this.sessionId = r.session_id;
    const usage = mapUsage(r.usage);
    const costUsd = this.turnCost(r.total_cost_usd);
    const end: TurnEnd = {
      type: "turn_end",
      stopReason: r.is_error ? (r.subtype === "success" ? "error" : r.subtype) : (r.stop_reason ?? "end_turn"),
      isError: r.is_error,
      durationMs: r.duration_ms ?? 0,
      usage,
    };
    if (r.is_error) end.error = resultError(r);
    if (costUsd !== undefined) end.costUsd = costUsd;
    const usageEvent: AgentEvent = costUsd === undefined ? { type: "usage", usage } : { type: "usage", usage, costUsd };
    const permissionDenials = r.permission_denials?.map((d) => d.tool_name) ?? [];
    return { kind: "result", events: [usageEvent], end, permissionDenials };
  }

  /** `total_cost_usd` is cumulative for the process; a turn costs the difference. */
  private turnCost(total: number | undefined): number | undefined {
    if (total === undefined) return undefined;
    const delta = total >= this.lastTotalCost ? total - this.lastTotalCost : total;
    this.lastTotalCost = total;
    return Math.round(delta * 1e9) / 1e9;
  }
}

function controlRequest(raw: object): ParsedLine {
  const line = ControlRequestLine.safeParse(raw);
  if (!line.success) return unknown(raw);
  return { kind: "control_request", requestId: line.data.request_id, request: line.data.request };
}

function controlResponse(raw: object): ParsedLine {
  const line = ControlResponseLine.safeParse(raw);
  if (!line.success) return unknown(raw);
  const r = line.data.response;
  const out: ParsedLine = { kind: "control_response", requestId: r.request_id, ok: r.subtype === "success", response: r.response };
  if (r.error !== undefined) out.error = r.error;
  return out;
}

function controlCancel(raw: object): ParsedLine {
  const line = ControlCancelLine.safeParse(raw);
  return line.success ? { kind: "control_cancel", requestId: line.data.request_id } : unknown(raw);
}

function blockType(block: unknown): unknown {
  return typeof block === "object" && block !== null ? (block as { type?: unknown }).type : undefined;
}

function unknown(raw: unknown): ParsedLine {
  return { kind: "events", events: [{ type: "unknown", raw }] };
}

function mapUsage(u: WireUsage | undefined): Usage {
  return {
    input: u?.input_tokens ?? 0,
    output: u?.output_tokens ?? 0,
    cacheRead: u?.cache_read_input_tokens ?? 0,
    cacheWrite: u?.cache_creation_input_tokens ?? 0,
  };
}

function resultText(content: z.infer<typeof ToolResultBlock>["content"]): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" ? (part.text ?? "") : `[${part.type}]`)).join("\n");
}

function resultError(r: ResultLine): string {
  if (r.result) return r.result;
  if (r.errors && r.errors.length > 0) return r.errors.join("; ");
  return r.api_error_status ? `API error ${r.api_error_status} (${r.subtype})` : r.subtype;
}
