// Hand-written shape checks for the Codex app-server messages of every turn: the fast path in front of the zod schemas
// of wire.ts (zod's loose objects copy every value they accept, several µs per message), as acp/wire-check.ts does
// for ACP. Each check accepts a value only if its schema would, so the value may be used as it is; anything a check
// refuses goes to the schema, which has the last word and explains a refusal. Keep each check in step with its
// schema: test/drivers/codex/wire-check.test.ts compares the two on recorded shapes and mutations of every field.

import type { z } from "zod";
import { isNum, isObj, nullishStr, optNum } from "../acp/wire-check.ts";
import type { TokenBreakdown, TokenUsageParams, TurnCompletedParams, TurnInfo, TurnStartedParams, TurnStartResult } from "./wire.ts";

/** TurnInfo: the turn's id, status and (when it failed) Codex's error. */
export function isTurnInfo(v: unknown): v is TurnInfo {
  if (!isObj(v) || typeof v.id !== "string" || typeof v.status !== "string") return false;
  const e = v.error;
  return e === undefined || e === null || (isObj(e) && typeof e.message === "string" && nullishStr(e.additionalDetails));
}

/** `turn/start`'s result (once per turn). */
export function isTurnStartResult(v: unknown): v is z.infer<typeof TurnStartResult> {
  return isObj(v) && isTurnInfo(v.turn);
}

/** `turn/started`'s params. */
export function isTurnStartedParams(v: unknown): v is z.infer<typeof TurnStartedParams> {
  return isObj(v) && typeof v.threadId === "string" && isObj(v.turn) && typeof v.turn.id === "string";
}

/** `turn/completed`'s params. */
export function isTurnCompletedParams(v: unknown): v is z.infer<typeof TurnCompletedParams> {
  return isObj(v) && typeof v.threadId === "string" && isTurnInfo(v.turn);
}

function isTokenBreakdown(v: unknown): v is TokenBreakdown {
  return isObj(v) && isNum(v.inputTokens) && isNum(v.outputTokens)
    && optNum(v.cachedInputTokens) && optNum(v.cacheWriteInputTokens) && optNum(v.reasoningOutputTokens);
}

/** `thread/tokenUsage/updated`'s params (once per model request). */
export function isTokenUsageParams(v: unknown): v is z.infer<typeof TokenUsageParams> {
  if (!isObj(v) || typeof v.threadId !== "string") return false;
  const u = v.tokenUsage;
  return isObj(u) && isTokenBreakdown(u.total) && isTokenBreakdown(u.last);
}

/** `v` as `schema` has it: taken as it is when `check` accepts it, else zod's verdict (which explains a refusal). */
export function parseFast<T>(v: unknown, check: (v: unknown) => v is T, schema: z.ZodType<T>): z.ZodSafeParseResult<T> {
  return check(v) ? { success: true, data: v } : schema.safeParse(v);
}
