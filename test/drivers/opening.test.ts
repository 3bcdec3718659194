// What a provider session is told before the user's first words (#9): the primer and the replay, each a piece of its
// own, in order, and the user's text never touched. The drivers' delivery is tested against the fake CLIs
// (test/drivers/acp/acp-session.test.ts, claude/claude-session.test.ts, the conformance suite) and the real ones
// (test/live/user-text.test.ts).

import { describe, expect, test } from "bun:test";
import { userFrame } from "../../src/drivers/claude/claude-wire.ts";
import { openingTexts } from "../../src/drivers/opening.ts";

describe("openingTexts (#9)", () => {
  test("primer first, then the replay", () => {
    expect(openingTexts({ systemPrompt: "P", replay: "R" }, { primerElsewhere: false })).toEqual(["P", "R"]);
  });

  test("a primer delivered as the system prompt, or already held by a resumed session, is not repeated", () => {
    expect(openingTexts({ systemPrompt: "P", replay: "R" }, { primerElsewhere: true })).toEqual(["R"]);
    expect(openingTexts({ systemPrompt: "P", resumeId: "s1" }, { primerElsewhere: false })).toEqual([]);
  });

  test("blank texts are left out (APIs refuse empty text blocks); others pass unchanged", () => {
    expect(openingTexts({ systemPrompt: " \n", replay: "" }, { primerElsewhere: false })).toEqual([]);
    expect(openingTexts({ systemPrompt: "  P\n" }, { primerElsewhere: false })).toEqual(["  P\n"]);
  });
});

describe("claude userFrame (#9)", () => {
  const content = (frame: string) => (JSON.parse(frame) as { message: { content: unknown } }).message.content;

  test("without context the user's text is the whole content, as typed", () => {
    expect(content(userFrame("  Fix the bug\n"))).toBe("  Fix the bug\n");
  });

  test("context goes first, each text a block of its own; the user's text is the last block, unchanged", () => {
    expect(content(userFrame("Fix the bug", ["replayed turns"]))).toEqual([
      { type: "text", text: "replayed turns" },
      { type: "text", text: "Fix the bug" },
    ]);
  });
});
