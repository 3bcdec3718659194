// Claude Code's built-in tool names mapped to the normalized ToolKind (the same kinds ACP agents report), plus the
// TodoWrite → plan mapping. MCP tools (`mcp__<server>__<tool>`) are "other": their effects are unknown to aegis.

import type { PlanEntry, ToolKind } from "../driver.ts";

const KINDS: Record<string, ToolKind> = {
  Read: "read", NotebookRead: "read", LS: "read",
  Write: "edit", Edit: "edit", MultiEdit: "edit", NotebookEdit: "edit",
  Bash: "execute", BashOutput: "execute", KillShell: "execute", KillBash: "execute",
  Glob: "search", Grep: "search", ToolSearch: "search",
  WebFetch: "fetch", WebSearch: "fetch",
  TodoWrite: "think", ExitPlanMode: "think", EnterPlanMode: "think", Think: "think",
};

export function claudeToolKind(name: string): ToolKind {
  return KINDS[name] ?? "other";
}

/** The MCP server a tool belongs to (`mcp__aegis__spawn` → "aegis"), or undefined for built-in tools. */
export function mcpServerOf(toolName: string): string | undefined {
  if (!toolName.startsWith("mcp__")) return undefined;
  const end = toolName.indexOf("__", 5);
  return end === -1 ? toolName.slice(5) : toolName.slice(5, end);
}

const STATUSES = new Set(["pending", "in_progress", "completed"]);

/** TodoWrite's `{todos: [{content, status}]}` as plan entries; undefined when the input has another shape. */
export function todoPlan(input: unknown): PlanEntry[] | undefined {
  const todos = (input as { todos?: unknown })?.todos;
  if (!Array.isArray(todos)) return undefined;
  const entries: PlanEntry[] = [];
  for (const t of todos) {
    const content = (t as { content?: unknown })?.content;
    const status = (t as { status?: unknown })?.status;
    if (typeof content === "string" && typeof status === "string" && STATUSES.has(status)) {
      entries.push({ content, status: status as PlanEntry["status"] });
    }
  }
  return entries;
}
