// The Codex hand checks agree with their zod schemas (#10): they accept the shapes Codex sends (so the fast path is
// taken) and never accept a value the schema refuses, whatever field is changed to whatever JSON value.

import { describe, expect, test } from "bun:test";
import type { z } from "zod";
import {
  isTokenUsageParams, isTurnCompletedParams, isTurnStartedParams, isTurnStartResult, parseFast,
} from "../../../src/drivers/codex/wire-check.ts";
import { TokenUsageParams, TurnCompletedParams, TurnStartedParams, TurnStartResult } from "../../../src/drivers/codex/wire.ts";
import { disagreements } from "../../fixtures/helpers/schema-agreement.ts";

/** As Codex 0.169.0 (and fake-codex) send them. */
const turn = { id: "019a-turn", status: "inProgress", items: [], error: null };
const failed = { id: "019a-turn", status: "failed", items: [], error: { message: "stream disconnected", codexErrorInfo: { other: 1 }, additionalDetails: "503" } };
const breakdown = { totalTokens: 13, inputTokens: 11, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 2, reasoningOutputTokens: 0 };
const CASES: Array<[string, (v: unknown) => boolean, z.ZodType, unknown[]]> = [
  ["turn/start result", isTurnStartResult, TurnStartResult, [{ turn }, { turn: failed }]],
  ["turn/started", isTurnStartedParams, TurnStartedParams, [{ threadId: "t", turn }]],
  ["turn/completed", isTurnCompletedParams, TurnCompletedParams, [
    { threadId: "t", turn: { ...turn, status: "completed", durationMs: 1 } },
    { threadId: "t", turn: failed },
    { threadId: "t", turn: { id: "u", status: "interrupted" } },
  ]],
  ["thread/tokenUsage/updated", isTokenUsageParams, TokenUsageParams, [
    { threadId: "t", turnId: "u", tokenUsage: { total: breakdown, last: breakdown, modelContextWindow: 258400 } },
    { threadId: "t", tokenUsage: { total: { inputTokens: 1, outputTokens: 2 }, last: { inputTokens: 1, outputTokens: 2 } } },
  ]],
];

describe("Codex wire hand checks (#10)", () => {
  for (const [name, check, schema, recorded] of CASES) {
    test(`${name}: the recorded shapes take the fast path, and nothing the schema refuses passes the check`, () => {
      for (const r of recorded) {
        expect(check(r)).toBe(true);
        expect(schema.safeParse(r).success).toBe(true);
      }
      const { wrong, checked } = disagreements(check, schema, recorded);
      expect(wrong).toEqual([]);
      expect(checked).toBeGreaterThan(100);
    });
  }

  test("parseFast hands over the value itself when the check takes it, and zod's verdict when it does not", () => {
    const ok = { threadId: "t", turn };
    const fast = parseFast(ok, isTurnStartedParams, TurnStartedParams);
    expect(fast.success && fast.data).toBe(ok);
    const refused = parseFast({ threadId: 1, turn }, isTurnStartedParams, TurnStartedParams);
    expect(refused.success).toBe(false);
    expect(refused.error?.message).toContain("threadId");
  });
});
