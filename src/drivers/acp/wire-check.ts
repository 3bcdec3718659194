// Hand-written shape checks for the ACP messages of every turn: the fast path in front of the zod schemas of wire.ts
// (zod's loose objects copy every value they accept, several µs per message). Each check accepts a value only if its
// schema would (same fields, same types; numbers finite, as zod wants), so the value may be used as it is; anything
// the check refuses goes to the schema, which has the last word and explains a refusal. Keep each check in step with
// its schema: test/drivers/acp/wire-check.test.ts compares the two on recorded shapes and mutations of every field.

import type { PromptResult, SessionUpdate } from "./wire.ts";

type Obj = { readonly [k: string]: unknown };

// The building blocks, shared with the Codex checks (codex/wire-check.ts).
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** zod's z.number() refuses ±Infinity and NaN. */
export const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
export const optNum = (v: unknown) => v === undefined || isNum(v);
export const nullishNum = (v: unknown) => v === undefined || v === null || isNum(v);
export const optStr = (v: unknown) => v === undefined || typeof v === "string";
export const nullishStr = (v: unknown) => v === undefined || v === null || typeof v === "string";

type TextChunk = Extract<SessionUpdate, { sessionUpdate: "agent_message_chunk" }> & { content: { type: "text"; text: string } };
type UsageUpdate = Extract<SessionUpdate, { sessionUpdate: "usage_update" }>;

/** An `agent_message_chunk` update carrying text (streamed text: the most frequent update of all). */
export function isTextChunk(v: unknown): v is TextChunk {
  if (!isObj(v) || v.sessionUpdate !== "agent_message_chunk" || !nullishStr(v.messageId)) return false;
  const c = v.content;
  return isObj(c) && c.type === "text" && typeof c.text === "string";
}

/** A `usage_update` (OpenCode sends one per turn with the session's cost). */
export function isUsageUpdate(v: unknown): v is UsageUpdate {
  if (!isObj(v) || v.sessionUpdate !== "usage_update" || !optNum(v.used) || !optNum(v.size)) return false;
  const c = v.cost;
  return c === undefined || c === null || (isObj(c) && isNum(c.amount) && optStr(c.currency));
}

/** `session/prompt`'s result (PromptResult): the stop reason, ACP usage, Gemini's quota token count. */
export function isPromptResult(v: unknown): v is PromptResult {
  if (!isObj(v) || typeof v.stopReason !== "string") return false;
  const u = v.usage;
  if (u !== undefined && u !== null && !(isObj(u) && optNum(u.inputTokens) && optNum(u.outputTokens)
    && nullishNum(u.cachedReadTokens) && nullishNum(u.cachedWriteTokens))) return false;
  const m = v._meta;
  if (m === undefined || m === null) return true;
  if (!isObj(m)) return false;
  const q = m.quota;
  if (q === undefined) return true;
  if (!isObj(q)) return false;
  const t = q.token_count;
  return t === undefined || (isObj(t) && optNum(t.input_tokens) && optNum(t.output_tokens));
}
