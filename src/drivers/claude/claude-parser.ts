// Turns one stdout line of Claude Code's stream-json into AgentEvents. Stateful only for what spans lines: the
// provider session id, the model, and the cumulative `total_cost_usd` (so each turn reports its own cost). Every line
// is validated at the edge: the frequent shapes by the hand checks of claude-wire-check.ts (a few typeof tests), and
// whatever they refuse by the zod schemas of claude-wire.ts, which have the last word. Anything unexpected (non-JSON,
// unknown type, wrong shape) becomes an `unknown` event and never throws. It does no I/O and knows nothing about
// turns in flight: that is the session's job.

import type { z } from "zod";
import type { AgentEvent, TurnEnd, Usage } from "../driver.ts";
import {
  AssistantLine, ControlCancelLine, ControlRequestLine, ControlResponseLine, ResultLine, SystemInit, TextBlock,
  ThinkingBlock, ToolResultBlock, ToolUseBlock, UserLine, type WireUsage,
} from "./claude-wire.ts";
import {
  isAssistantLine, isControlCancelLine, isControlRequestLine, isControlResponseLine, isObj, isResultLine, isSystemInit,
  isTextBlock, isThinkingBlock, isToolResultBlock, isToolUseBlock, isUserLine, type Obj,
} from "./claude-wire-check.ts";
import { claudeToolKind, todoPlan } from "./tool-kind.ts";

export type ParsedLine =
  /** Events for the turn in flight (possibly none). */
  | { kind: "events"; events: AgentEvent[] }
  /** The turn's `result`: a `usage` event, then the turn end (its durationMs is the CLI's own figure). */
  | { kind: "result"; events: AgentEvent[]; end: TurnEnd; permissionDenials: string[] }
  | { kind: "control_request"; requestId: string; request: { subtype: string; [k: string]: unknown } }
  | { kind: "control_response"; requestId: string; ok: boolean; error?: string; response?: unknown }
  | { kind: "control_cancel"; requestId: string };

export interface ParserOptions {
  /** Validate every line with the zod schemas alone, without the hand checks in front (tests and benchmarks compare
   * the two paths with it). */
  zodOnly?: boolean;
}

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
  private readonly fast: boolean;

  constructor(opts: ParserOptions = {}) {
    this.fast = opts.zodOnly !== true;
  }

  parse(line: string): ParsedLine {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return unknown(line);
    }
    if (!isObj(raw)) return unknown(raw);
    switch (raw.type) {
      case "system": return this.system(raw);
      case "assistant": return this.assistant(raw);
      case "user": return this.user(raw);
      case "result": return this.result(raw);
      case "control_request": return this.controlRequest(raw);
      case "control_response": return this.controlResponse(raw);
      case "control_cancel_request": return this.controlCancel(raw);
      case "keep_alive": return NO_EVENTS;
      default: return unknown(raw);
    }
  }

  /** The value as its schema's output: as it is when the hand check passes, else as zod parses it (or undefined). */
  private valid<T>(v: Obj, check: (v: Obj) => v is Obj & T, schema: z.ZodType<T>): T | undefined {
    if (this.fast && check(v)) return v;
    const r = schema.safeParse(v);
    return r.success ? r.data : undefined;
  }

  /** A content block (of an already matched `type`) as its schema's output, or undefined. */
  private block<T>(b: unknown, check: (v: Obj) => v is Obj & T, schema: z.ZodType<T>): T | undefined {
    return isObj(b) ? this.valid(b, check, schema) : undefined;
  }

  private system(raw: Obj): ParsedLine {
    if (raw.subtype !== "init") return unknown(raw);
    const init = this.valid(raw, isSystemInit, SystemInit);
    if (!init) return unknown(raw);
    this.sessionId = init.session_id;
    this.model = init.model ?? this.model;
    this.permissionMode = init.permissionMode;
    this.mcpServers = init.mcp_servers?.map((s) => ({ name: s.name, status: s.status })) ?? [];
    const ev: AgentEvent = { type: "init", providerSessionId: init.session_id };
    if (init.model !== undefined) ev.model = init.model;
    return { kind: "events", events: [ev] };
  }

  private assistant(raw: Obj): ParsedLine {
    const line = this.valid(raw, isAssistantLine, AssistantLine);
    if (!line) return unknown(raw);
    // A subagent's (Task tool) words are not the agent's answer: keep them out of `text`, but show its tool use.
    const sub = line.parent_tool_use_id != null;
    const messageId = line.message.id;
    const events: AgentEvent[] = [];
    for (const block of line.message.content) {
      const type = blockType(block);
      if (type === "text") {
        const b = this.block(block, isTextBlock, TextBlock);
        if (!b || sub) events.push({ type: "unknown", raw: block });
        else events.push(messageId === undefined ? { type: "text", text: b.text } : { type: "text", text: b.text, messageId });
      } else if (type === "thinking") {
        const b = this.block(block, isThinkingBlock, ThinkingBlock);
        events.push(b && !sub ? { type: "thinking", text: b.thinking } : { type: "unknown", raw: block });
      } else if (type === "tool_use") {
        const b = this.block(block, isToolUseBlock, ToolUseBlock);
        if (!b) {
          events.push({ type: "unknown", raw: block });
          continue;
        }
        const input = b.input ?? {};
        events.push({ type: "tool_call", id: b.id, name: b.name, kind: claudeToolKind(b.name), input });
        const plan = b.name === "TodoWrite" && !sub ? todoPlan(input) : undefined;
        if (plan) events.push({ type: "plan", entries: plan });
      } else {
        events.push({ type: "unknown", raw: block });
      }
    }
    return { kind: "events", events };
  }

  private user(raw: Obj): ParsedLine {
    const line = this.valid(raw, isUserLine, UserLine);
    if (!line) return unknown(raw);
    const content = line.message.content;
    // Plain user text (our own frame replayed, "[Request interrupted by user]") is kept, but as `unknown`.
    if (typeof content === "string") return unknown(raw);
    const events: AgentEvent[] = [];
    for (const block of content) {
      const b = blockType(block) === "tool_result" ? this.block(block, isToolResultBlock, ToolResultBlock) : undefined;
      if (b) events.push({ type: "tool_result", id: b.tool_use_id, ok: b.is_error !== true, text: resultText(b.content) });
      else events.push({ type: "unknown", raw: block });
    }
    return { kind: "events", events };
  }

  private result(raw: Obj): ParsedLine {
    const r = this.valid(raw, isResultLine, ResultLine);
    if (!r) return unknown(raw);
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

  private controlRequest(raw: Obj): ParsedLine {
    const line = this.valid(raw, isControlRequestLine, ControlRequestLine);
    if (!line) return unknown(raw);
    return { kind: "control_request", requestId: line.request_id, request: line.request };
  }

  private controlResponse(raw: Obj): ParsedLine {
    const line = this.valid(raw, isControlResponseLine, ControlResponseLine);
    if (!line) return unknown(raw);
    const r = line.response;
    const out: ParsedLine = { kind: "control_response", requestId: r.request_id, ok: r.subtype === "success", response: r.response };
    if (r.error !== undefined) out.error = r.error;
    return out;
  }

  private controlCancel(raw: Obj): ParsedLine {
    const line = this.valid(raw, isControlCancelLine, ControlCancelLine);
    return line ? { kind: "control_cancel", requestId: line.request_id } : unknown(raw);
  }
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
