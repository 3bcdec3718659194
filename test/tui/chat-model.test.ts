// What `aegis chat` makes of a typed line and what its header and footer say (#14), without a terminal.
import { describe, expect, test } from "bun:test";
import { chatFooter, chatHeader, parseChatInput } from "../../src/tui/chat-model.ts";
import type { SessionView } from "../../src/tui/source/model.ts";
import { plainText } from "../../src/tui/theme.ts";

const session = (over: Partial<SessionView> = {}): SessionView => ({
  id: "s1", handle: "noble-babbage", agent: "writer", provider: "claude-code", model: "opus", state: "working",
  spawnedBy: "user", owner: "o1", createdAt: 0, closedAt: null, turns: 1, tokens: { input: 120, output: 45 }, costUsd: 0.0123, lastLine: "",
  ...over,
});

describe("chat input (#14)", () => {
  test("a line is a message; /quit, /exit and /q leave; /interrupt and /stop interrupt; /help helps", () => {
    expect(parseChatInput("  hello there ")).toEqual({ kind: "send", text: "hello there" });
    for (const q of ["/quit", "/exit", "/q", "/QUIT"]) expect(parseChatInput(q)).toEqual({ kind: "quit" });
    expect(parseChatInput("/interrupt")).toEqual({ kind: "interrupt" });
    expect(parseChatInput("/stop now")).toEqual({ kind: "interrupt" });
    expect(parseChatInput("/help")).toEqual({ kind: "help" });
    expect(parseChatInput("   ")).toEqual({ kind: "empty" });
  });

  test("an unknown slash command is not sent to the agent; // sends a message starting with a slash", () => {
    expect(parseChatInput("/qiut")).toEqual({ kind: "unknown", name: "/qiut" });
    expect(parseChatInput("//etc/hosts is odd")).toEqual({ kind: "send", text: "/etc/hosts is odd" });
  });
});

describe("chat header and footer (#14)", () => {
  test("the header names the agent, provider and model, handle, state, tokens and cost", () => {
    expect(plainText([chatHeader("writer", session(), "noble-babbage")]))
      .toBe("aegis chat · writer (claude-code opus) · noble-babbage · working · 120 in / 45 out · $0.012");
  });

  test("before the session exists it says starting; a closed session says closed; the Scripted model is not repeated", () => {
    expect(plainText([chatHeader("writer", undefined, undefined)])).toBe("aegis chat · writer · starting…");
    const closed = session({ provider: "scripted", model: "scripted", closedAt: 5, costUsd: 0 });
    expect(plainText([chatHeader("writer", closed, "h")])).toBe("aegis chat · writer (scripted) · h · closed · 120 in / 45 out");
  });

  test("the footer shows the keys: Enter sends, Esc interrupts, /quit or Ctrl-C leaves", () => {
    const text = plainText([chatFooter()]);
    for (const part of ["Enter send", "Esc interrupt", "PgUp/PgDn scroll", "/quit Ctrl-C leave"]) expect(text).toContain(part);
  });
});
