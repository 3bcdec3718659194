// The ACP hand checks agree with their zod schemas (#10): they accept the recorded shapes (so the fast path is taken)
// and never accept a value the schema refuses, whatever field is changed to whatever JSON value.

import { describe, expect, test } from "bun:test";
import { isPromptResult, isTextChunk, isUsageUpdate } from "../../../src/drivers/acp/wire-check.ts";
import { PromptResult, SessionUpdate } from "../../../src/drivers/acp/wire.ts";
import { disagreements } from "../../fixtures/helpers/schema-agreement.ts";

type Json = Record<string, unknown>;

/** session/prompt results as Gemini CLI, OpenCode and a generic agent send them (reference/real-clis.md §2–3). */
const RECORDED: Json[] = [
  { stopReason: "end_turn", _meta: { quota: { token_count: { input_tokens: 11, output_tokens: 2 }, model_usage: [{ model: "gemini-2.5-flash", token_count: { input_tokens: 11, output_tokens: 2 } }] } } },
  { stopReason: "end_turn", usage: { inputTokens: 120, outputTokens: 4, totalTokens: 124, cachedReadTokens: 0 }, _meta: {} },
  { stopReason: "cancelled" },
  { stopReason: "end_turn", usage: { inputTokens: 1, outputTokens: 2, cachedReadTokens: null, cachedWriteTokens: null }, _meta: null },
];

/** Updates as the real CLIs stream them. */
const TEXT_CHUNKS: Json[] = [
  { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "ECHO: hello" } },
  { sessionUpdate: "agent_message_chunk", messageId: "msg_2146a", content: { type: "text", text: "hi" } },
  { sessionUpdate: "agent_message_chunk", messageId: null, content: { type: "text", text: "", annotations: null } },
];
const USAGE_UPDATES: Json[] = [
  { sessionUpdate: "usage_update", used: 1234, size: 200000, cost: { amount: 0.0123, currency: "USD" } },
  { sessionUpdate: "usage_update", used: 5, size: 10 },
  { sessionUpdate: "usage_update", cost: null },
];

describe("ACP wire hand checks (#10)", () => {
  test("isPromptResult takes the recorded results as they are", () => {
    for (const r of RECORDED) {
      expect(isPromptResult(r)).toBe(true);
      expect(PromptResult.safeParse(r).success).toBe(true);
    }
  });

  test("isTextChunk and isUsageUpdate take the recorded updates, and never accept what SessionUpdate refuses", () => {
    for (const u of TEXT_CHUNKS) expect(isTextChunk(u)).toBe(true);
    for (const u of USAGE_UPDATES) expect(isUsageUpdate(u)).toBe(true);
    for (const [check, bases] of [[isTextChunk, TEXT_CHUNKS], [isUsageUpdate, USAGE_UPDATES]] as const) {
      const { wrong, checked } = disagreements(check, SessionUpdate, bases);
      expect(wrong).toEqual([]);
      expect(checked).toBeGreaterThan(200);
    }
  });

  test("isPromptResult never accepts what PromptResult refuses", () => {
    const { wrong, checked } = disagreements(isPromptResult, PromptResult, RECORDED);
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(500);
  });
});
