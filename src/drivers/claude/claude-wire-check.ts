// Hand-written shape checks for the frequent stream-json lines and content blocks: the fast path in front of the zod
// schemas of claude-wire.ts. Each check is a type guard that accepts a value only if its zod schema would accept it
// (same fields, same types; numbers finite, as zod wants) and whose mapping is then the same, so the parser may use the
// value as it is. A check may refuse more than its schema: the parser then asks the schema, which has the last word.
// Keep each check in step with its schema; test/drivers/claude/claude-wire-check.test.ts compares the two on recorded
// lines and on mutations of every field. No mapping and no I/O here.

import type { z } from "zod";
import type {
  AssistantLine, ControlCancelLine, ControlRequestLine, ControlResponseLine, ResultLine, SystemInit, TextBlock,
  ThinkingBlock, ToolResultBlock, ToolUseBlock, UserLine,
} from "./claude-wire.ts";

export type Obj = { readonly [k: string]: unknown };

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** zod's z.number() refuses ±Infinity, which JSON.parse yields for literals such as 1e999. */
function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

const optStr = (v: unknown) => v === undefined || typeof v === "string";
const nullishStr = (v: unknown) => v === undefined || v === null || typeof v === "string";
const optNum = (v: unknown) => v === undefined || isNum(v);
const nullishNum = (v: unknown) => v === undefined || v === null || isNum(v);

/** `undefined`, or an array whose every item passes `item`. */
function optArrayOf(v: unknown, item: (x: unknown) => boolean): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const x of v) if (!item(x)) return false;
  return true;
}

// ── lines ─────────────────────────────────────────────────────────────────────────────────────────────────────────

const isMcpServer = (s: unknown) => isObj(s) && typeof s.name === "string" && typeof s.status === "string";

export function isSystemInit(v: Obj): v is Obj & z.infer<typeof SystemInit> {
  return v.type === "system" && v.subtype === "init" && typeof v.session_id === "string" && optStr(v.model)
    && optStr(v.permissionMode) && optArrayOf(v.mcp_servers, isMcpServer);
}

export function isAssistantLine(v: Obj): v is Obj & z.infer<typeof AssistantLine> {
  const m = v.message;
  return v.type === "assistant" && isObj(m) && optStr(m.id) && Array.isArray(m.content)
    && nullishStr(v.parent_tool_use_id) && optStr(v.session_id);
}

export function isUserLine(v: Obj): v is Obj & z.infer<typeof UserLine> {
  const m = v.message;
  return v.type === "user" && isObj(m) && (typeof m.content === "string" || Array.isArray(m.content))
    && nullishStr(v.parent_tool_use_id);
}

const isUsage = (u: unknown) => isObj(u) && nullishNum(u.input_tokens) && nullishNum(u.output_tokens)
  && nullishNum(u.cache_read_input_tokens) && nullishNum(u.cache_creation_input_tokens);
const isDenial = (d: unknown) => isObj(d) && typeof d.tool_name === "string" && optStr(d.tool_use_id);
const isString = (s: unknown) => typeof s === "string";

export function isResultLine(v: Obj): v is Obj & ResultLine {
  return v.type === "result" && typeof v.subtype === "string" && typeof v.is_error === "boolean"
    && optNum(v.duration_ms) && optStr(v.result) && nullishStr(v.stop_reason) && optStr(v.session_id)
    && optNum(v.total_cost_usd) && (v.usage === undefined || isUsage(v.usage)) && nullishNum(v.api_error_status)
    && optArrayOf(v.errors, isString) && optArrayOf(v.permission_denials, isDenial);
}

export function isControlRequestLine(v: Obj): v is Obj & z.infer<typeof ControlRequestLine> {
  return v.type === "control_request" && typeof v.request_id === "string" && isObj(v.request)
    && typeof v.request.subtype === "string";
}

export function isControlResponseLine(v: Obj): v is Obj & z.infer<typeof ControlResponseLine> {
  const r = v.response;
  return v.type === "control_response" && isObj(r) && typeof r.subtype === "string"
    && typeof r.request_id === "string" && optStr(r.error);
}

export function isControlCancelLine(v: Obj): v is Obj & z.infer<typeof ControlCancelLine> {
  return v.type === "control_cancel_request" && typeof v.request_id === "string";
}

// ── content blocks (the caller has already matched `type`) ──────────────────────────────────────────────────────

export function isTextBlock(b: Obj): b is Obj & z.infer<typeof TextBlock> {
  return b.type === "text" && typeof b.text === "string";
}

export function isThinkingBlock(b: Obj): b is Obj & z.infer<typeof ThinkingBlock> {
  return b.type === "thinking" && typeof b.thinking === "string";
}

/** zod requires the `input` key to be present, whatever its value (null included). */
export function isToolUseBlock(b: Obj): b is Obj & z.infer<typeof ToolUseBlock> {
  return b.type === "tool_use" && typeof b.id === "string" && typeof b.name === "string" && "input" in b;
}

const isResultPart = (p: unknown) => isObj(p) && typeof p.type === "string" && optStr(p.text);

export function isToolResultBlock(b: Obj): b is Obj & ToolResultBlock {
  const c = b.content;
  return b.type === "tool_result" && typeof b.tool_use_id === "string"
    && (c === undefined || c === null || typeof c === "string" || optArrayOf(c, isResultPart))
    && (b.is_error === undefined || b.is_error === null || typeof b.is_error === "boolean");
}
