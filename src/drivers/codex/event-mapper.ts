// Turns Codex app-server notifications of one turn into AgentEvents: agent message deltas → text, reasoning deltas →
// thinking, command executions / file changes / MCP and dynamic tool calls → tool_call on item/started and
// tool_result on item/completed, plan updates → plan, token usage summed per turn. A notification or item of a kind
// it does not know becomes `unknown` (raw kept); pure bookkeeping (status changes, resolved requests) is dropped.
// Codex 0.169.0 sends no item at all for a command that fails at once inside the read-only sandbox (measured), so
// the raw Responses items (thread/start experimentalRawEvents) stand in: a tool output whose call had no item becomes
// a tool_call and its tool_result.
// It holds only per-turn state and never talks to the process.

import type { AgentEvent, PlanEntry, ToolKind, Usage } from "../driver.ts";
import { ZERO_USAGE, addUsage } from "../driver.ts";
import type { z } from "zod";
import {
  AgentMessageItem, CommandExecutionItem, DynamicToolCallItem, FileChangeItem, McpToolCallItem,
  PlanParams, RawItemParams, ReasoningItem, type TokenBreakdown, TokenUsageParams, WebSearchItem,
} from "./wire.ts";
import { isTokenUsageParams, parseFast } from "./wire-check.ts";

/** Notifications that carry nothing for the event stream (state the driver tracks elsewhere, or UI bookkeeping). */
const SILENT: ReadonlySet<string> = new Set([
  "turn/started", "turn/completed", "thread/status/changed", "thread/started", "serverRequest/resolved",
  "item/commandExecution/outputDelta", "item/fileChange/outputDelta", "item/fileChange/patchUpdated", "turn/diff/updated",
  "item/reasoning/summaryPartAdded", "item/mcpToolCall/progress", "thread/readState/changed", "account/rateLimits/updated",
  "mcpServer/startupStatus/updated", "remoteControl/status/changed", "thread/settings/updated", "hook/started", "hook/completed",
  "item/plan/delta", "error", "rawResponse/completed",
]);

/** Items that are not tool uses and carry nothing when they start (their text streams, or they are the user's). */
const QUIET_ITEMS: ReadonlySet<string> = new Set(["agentMessage", "reasoning", "userMessage", "plan"]);

const PLAN_STATUS: Record<string, PlanEntry["status"]> = { pending: "pending", inProgress: "in_progress", completed: "completed" };

export class CodexEventMapper {
  private usage: Usage = { ...ZERO_USAGE };
  /** Items whose text already streamed as deltas (their item/completed must not repeat it). */
  private readonly streamed = new Set<string>();
  /** Ids of the tool items Codex announced (a tool item's id is its call id). */
  private readonly announced = new Set<string>();
  /** Raw tool calls of this turn by call id, until their output shows whether Codex announced them. */
  private readonly rawCalls = new Map<string, { name: string; namespace?: string; input: unknown }>();

  beginTurn(): void {
    this.usage = { ...ZERO_USAGE };
    this.streamed.clear();
    this.announced.clear();
    this.rawCalls.clear();
  }

  /** This turn's tokens: the sum of every model request's `last` usage. */
  turnUsage(): Usage {
    return { ...this.usage };
  }

  map(method: string, params: unknown): AgentEvent[] {
    switch (method) {
      // The hot path (several per turn): the schemas' checks by hand (DeltaParams, ItemParams), without zod's copy.
      case "item/agentMessage/delta": {
        const p = params as { itemId?: unknown; delta?: unknown } | null;
        if (typeof p?.itemId !== "string" || typeof p.delta !== "string") break;
        this.streamed.add(p.itemId);
        return p.delta ? [{ type: "text", text: p.delta, messageId: p.itemId }] : [];
      }
      case "item/reasoning/summaryTextDelta":
      case "item/reasoning/textDelta": {
        const p = params as { itemId?: unknown; delta?: unknown } | null;
        if (typeof p?.itemId !== "string" || typeof p.delta !== "string") break;
        // A model may stream both its summary and its raw reasoning: show one of them, the summary when there is one.
        if (method === "item/reasoning/textDelta" && this.streamed.has(`${p.itemId}:summary`)) return [];
        this.streamed.add(`${p.itemId}:${method === "item/reasoning/textDelta" ? "raw" : "summary"}`);
        this.streamed.add(p.itemId);
        return p.delta ? [{ type: "thinking", text: p.delta }] : [];
      }
      case "item/started":
      case "item/completed": {
        const item = (params as { item?: { type?: unknown; id?: unknown } } | null)?.item;
        if (typeof item?.type !== "string" || typeof item.id !== "string") break;
        const it = item as { type: string; id: string };
        return method === "item/started" ? this.started(it) : this.completed(it);
      }
      case "rawResponseItem/completed": {
        const p = RawItemParams.safeParse(params);
        return p.success ? this.raw(p.data.item) : [];
      }
      case "turn/plan/updated": {
        const p = PlanParams.safeParse(params);
        if (!p.success) break;
        const entries = p.data.plan.map((s) => ({ content: s.step, status: PLAN_STATUS[s.status] ?? "pending" }));
        return [{ type: "plan", entries }];
      }
      case "thread/tokenUsage/updated": {
        const p = parseFast(params, isTokenUsageParams, TokenUsageParams);
        if (!p.success) break;
        this.usage = addUsage(this.usage, toUsage(p.data.tokenUsage.last));
        return [];
      }
      default:
        if (SILENT.has(method)) return [];
    }
    return [{ type: "unknown", raw: { method, params } }];
  }

  private started(item: { type: string; id: string }): AgentEvent[] {
    if (QUIET_ITEMS.has(item.type)) return [];
    const call = toolCallOf(item);
    if (!call) return [{ type: "unknown", raw: { method: "item/started", item } }];
    this.announced.add(item.id);
    return [call];
  }

  /** A raw tool call is remembered; its output becomes a tool_call and tool_result only if Codex announced no item. */
  private raw(item: z.infer<typeof RawItemParams>["item"]): AgentEvent[] {
    const id = item.call_id;
    if (!id) return [];
    if (item.type === "function_call" || item.type === "custom_tool_call") {
      const input = item.type === "custom_tool_call" ? { input: item.input } : parseArgs(item.arguments);
      this.rawCalls.set(id, { name: item.name ?? "tool", ...(item.namespace ? { namespace: item.namespace } : {}), input });
      return [];
    }
    if (item.type !== "function_call_output" && item.type !== "custom_tool_call_output") return [];
    const call = this.rawCalls.get(id);
    this.rawCalls.delete(id);
    if (!call || this.announced.has(id)) return [];
    const output = typeof item.output === "string" ? item.output : JSON.stringify(item.output ?? "");
    // Shell output carries its exit code; a refused or failed call says so on its first line ("patch rejected: …").
    const exit = /(?:Process exited with code|Exit code:) (-?\d+)/.exec(output);
    const ok = exit ? exit[1] === "0" : !/\b(failed|rejected|aborted|denied)\b/i.test(output.split("\n", 1)[0] ?? "");
    return [{ type: "tool_call", id, ...rawToolName(call), input: call.input }, { type: "tool_result", id, ok, text: output }];
  }

  private completed(item: { type: string; id: string }): AgentEvent[] {
    switch (item.type) {
      case "userMessage":
      case "plan":
        return [];
      case "agentMessage": {
        if (this.streamed.has(item.id)) return [];
        const msg = AgentMessageItem.safeParse(item);
        return msg.success && msg.data.text ? [{ type: "text", text: msg.data.text, messageId: item.id }] : [];
      }
      case "reasoning": {
        if (this.streamed.has(item.id)) return [];
        const r = ReasoningItem.safeParse(item);
        const text = r.success ? (r.data.summary?.length ? r.data.summary : r.data.content ?? []).join("\n") : "";
        return text ? [{ type: "thinking", text }] : [];
      }
    }
    return [toolResultOf(item) ?? { type: "unknown", raw: { method: "item/completed", item } }];
  }
}

type ToolCall = Extract<AgentEvent, { type: "tool_call" }>;
type ToolResult = Extract<AgentEvent, { type: "tool_result" }>;

/** The tool_call for an item that is a tool use, or undefined (not a tool, or not the shape its type promises). */
export function toolCallOf(item: { type: string }): ToolCall | undefined {
  const call = (name: string, kind: ToolKind, input: unknown, id: string): ToolCall => ({ type: "tool_call", id, name, kind, input });
  switch (item.type) {
    case "commandExecution": {
      const p = CommandExecutionItem.safeParse(item);
      return p.success ? call("shell", "execute", { command: p.data.command, cwd: p.data.cwd ?? undefined }, p.data.id) : undefined;
    }
    case "fileChange": {
      const p = FileChangeItem.safeParse(item);
      return p.success ? call("apply_patch", "edit", { changes: p.data.changes.map((c) => ({ path: c.path, kind: c.kind })) }, p.data.id) : undefined;
    }
    case "mcpToolCall": {
      const p = McpToolCallItem.safeParse(item);
      return p.success ? call(mcpToolName(p.data.server, p.data.tool), "other", p.data.arguments ?? {}, p.data.id) : undefined;
    }
    case "dynamicToolCall": {
      const p = DynamicToolCallItem.safeParse(item);
      return p.success ? call(p.data.namespace ? `${p.data.namespace}__${p.data.tool}` : p.data.tool, "other", p.data.arguments ?? {}, p.data.id) : undefined;
    }
    case "webSearch": {
      const p = WebSearchItem.safeParse(item);
      return p.success ? call("web_search", "fetch", { query: p.data.query ?? undefined }, p.data.id) : undefined;
    }
  }
  return undefined;
}

/** The tool_result for a completed tool item, or undefined. */
export function toolResultOf(item: { type: string }): ToolResult | undefined {
  const result = (id: string, ok: boolean, text: string): ToolResult => ({ type: "tool_result", id, ok, text });
  switch (item.type) {
    case "commandExecution": {
      const p = CommandExecutionItem.safeParse(item);
      if (!p.success) return undefined;
      const { status, exitCode, aggregatedOutput } = p.data;
      return result(p.data.id, status === "completed" && (exitCode ?? 0) === 0, aggregatedOutput ?? (status === "declined" ? "declined" : ""));
    }
    case "fileChange": {
      const p = FileChangeItem.safeParse(item);
      if (!p.success) return undefined;
      return result(p.data.id, p.data.status === "completed", `${p.data.status ?? "unknown"}: ${p.data.changes.map((c) => c.path).join(", ")}`);
    }
    case "mcpToolCall": {
      const p = McpToolCallItem.safeParse(item);
      if (!p.success) return undefined;
      if (p.data.error) return result(p.data.id, false, p.data.error.message);
      return result(p.data.id, p.data.status !== "failed", contentText(p.data.result?.content ?? []));
    }
    case "dynamicToolCall": {
      const p = DynamicToolCallItem.safeParse(item);
      return p.success ? result(p.data.id, p.data.success !== false && p.data.status !== "failed", contentText(p.data.contentItems ?? [])) : undefined;
    }
    case "webSearch": {
      const p = WebSearchItem.safeParse(item);
      return p.success ? result(p.data.id, true, "") : undefined;
    }
  }
  return undefined;
}

/** A raw call's name and kind in aegis's terms (the names its items would have had). */
function rawToolName(call: { name: string; namespace?: string }): { name: string; kind: ToolKind } {
  if (call.name === "exec_command" || call.name === "shell") return { name: "shell", kind: "execute" };
  if (call.name === "apply_patch") return { name: "apply_patch", kind: "edit" };
  if (call.namespace?.startsWith("mcp__")) return { name: mcpToolName(call.namespace.slice(5).replace(/__$/, ""), call.name), kind: "other" };
  return { name: call.namespace ? `${call.namespace}__${call.name}` : call.name, kind: "other" };
}

function parseArgs(args: string | undefined): unknown {
  try {
    return JSON.parse(args ?? "{}");
  } catch {
    return { arguments: args };
  }
}

/** An MCP tool as the other drivers name it: `mcp__<server>__<tool>` (Claude Code's form). */
export function mcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`;
}

function contentText(content: unknown[]): string {
  return content
    .map((c) => (typeof c === "object" && c !== null && typeof (c as { text?: unknown }).text === "string" ? (c as { text: string }).text : ""))
    .filter(Boolean)
    .join("\n");
}

/** Codex counts cached and cache-written tokens inside `inputTokens`; aegis keeps them apart. */
export function toUsage(t: TokenBreakdown): Usage {
  const cacheRead = t.cachedInputTokens ?? 0;
  const cacheWrite = t.cacheWriteInputTokens ?? 0;
  return { input: Math.max(0, t.inputTokens - cacheRead - cacheWrite), output: t.outputTokens, cacheRead, cacheWrite };
}
