// Conversation replay (#9): rebuilding a session's conversation from the transcript (finished turns only, final
// assistant message of each), following a handle across restarts, and rendering it newest-first within a token budget
// with a note naming what was left out.
import { describe, expect, test } from "bun:test";
import type { AgentEvent } from "../../src/drivers/driver.ts";
import { clipMiddle, estimateTokens, readConversation, readConversationDb, renderReplay, type ConversationTurn } from "../../src/session/replay.ts";
import { appendEvents, type TranscriptEvent } from "../../src/store/events.ts";
import { closeSessionRow, insertSession, sessionChain } from "../../src/store/sessions.ts";
import type { Store } from "../../src/store/store.ts";
import { describeDb } from "../helpers/backends.ts";
import { memoryStore } from "./fixtures.ts";

const USAGE = { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 };
const end = (isError = false): AgentEvent => ({ type: "turn_end", stopReason: isError ? "error" : "end_turn", isError, durationMs: 1, usage: USAGE });

/** Writes one session row and its transcript: each inner array is one turn's events. */
function session(store: Store, id: string, handle: string, spawnedBy: string, turns: TranscriptEvent[][]): void {
  insertSession(store, { id, handle, agent: "impl", provider: "scripted", spawnedBy, createdAt: Date.now() });
  appendEvents(store, id, turns.flatMap((events, i) => events.map((event) => ({ turn: i + 1, at: Date.now(), event }))));
  closeSessionRow(store, id, Date.now());
}

const turns = (n: number, size = 10): ConversationTurn[] =>
  Array.from({ length: n }, (_, i) => ({ user: `u${i + 1} ${"x".repeat(size)}`, assistant: `a${i + 1} ${"y".repeat(size)}` }));

describe("readConversation (#9)", () => {
  test("keeps each finished turn's prompt and final assistant message; failed and unfinished turns are left out", () => {
    const store = memoryStore();
    session(store, "ses_1", "impl-one", "workflow:w:run_1", [
      [{ type: "prompt", text: "alpha" }, { type: "text", text: "Let me look.", messageId: "m1" }, { type: "tool_call", id: "t", name: "Read", kind: "read", input: {} },
        { type: "tool_result", id: "t", ok: true, text: "file body" }, { type: "text", text: "Done: ", messageId: "m2" }, { type: "text", text: "alpha.", messageId: "m2" }, end()],
      [{ type: "prompt", text: "> from agent:rev · 2026-12-04T16:00:00Z\nbeta" }, { type: "text", text: "chunk one " }, { type: "text", text: "chunk two" }, end()],
      [{ type: "prompt", text: "gamma fails" }, { type: "text", text: "partial" }, end(true)],
      [{ type: "prompt", text: "delta silent" }, end()],
      [{ type: "prompt", text: "epsilon cut off by a crash" }, { type: "text", text: "half an answer" }],
    ]);
    expect(readConversation(store, ["ses_1"])).toEqual([
      { user: "alpha", assistant: "Done: alpha." },
      { user: "> from agent:rev · 2026-12-04T16:00:00Z\nbeta", assistant: "chunk one chunk two" },
      { user: "delta silent", assistant: "" },
    ]);
  });

  test("one conversation spans the sessions that held the handle for the run, from the spawn step's session on", () => {
    const store = memoryStore();
    const run = "workflow:w:run_1";
    session(store, "ses_a", "impl-one", run, [[{ type: "prompt", text: "before a close" }, { type: "text", text: "old" }, end()]]);
    session(store, "ses_b", "impl-one", run, [[{ type: "prompt", text: "one" }, { type: "text", text: "r1" }, end()]]);
    session(store, "ses_x", "impl-one", "workflow:w:run_2", [[{ type: "prompt", text: "another run" }, { type: "text", text: "no" }, end()]]);
    session(store, "ses_y", "other", run, [[{ type: "prompt", text: "another handle" }, { type: "text", text: "no" }, end()]]);
    session(store, "ses_c", "impl-one", run, [[{ type: "prompt", text: "two" }, { type: "text", text: "r2" }, end()]]);
    expect(sessionChain(store, "impl-one", run)).toEqual(["ses_a", "ses_b", "ses_c"]);
    expect(sessionChain(store, "impl-one", run, "ses_b")).toEqual(["ses_b", "ses_c"]);
    expect(readConversation(store, sessionChain(store, "impl-one", run, "ses_b"))).toEqual([
      { user: "one", assistant: "r1" },
      { user: "two", assistant: "r2" },
    ]);
  });

  test("a transcript longer than one page of events is read whole", () => {
    const store = memoryStore();
    const chunks: TranscriptEvent[] = Array.from({ length: 6_000 }, (_, i) => ({ type: "text", text: `${i % 10}`, messageId: "m" }));
    session(store, "ses_long", "impl-one", "workflow:w:run_1", [
      [{ type: "prompt", text: "long" }, ...chunks, end()],
      [{ type: "prompt", text: "after" }, { type: "text", text: "ok" }, end()],
    ]);
    const conv = readConversation(store, ["ses_long"]);
    expect(conv.map((t) => t.user)).toEqual(["long", "after"]);
    expect(conv[0]!.assistant.length).toBe(6_000);
  });
});

describe("renderReplay (#9)", () => {
  test("a clearly headed transcript, oldest first, with every turn when they fit", () => {
    const r = renderReplay([{ user: "alpha", assistant: "ECHO: alpha" }, { user: "beta", assistant: "" }], 24_000)!;
    expect(r).toMatchObject({ turns: 2, omitted: 0, clipped: false });
    expect(r.text.startsWith("# Earlier conversation (replayed by aegis)\n\n")).toBe(true);
    expect(r.text).toContain("(2 turns, oldest first)");
    expect(r.text).toContain("## User (turn 1)\nalpha\n\n## Assistant (turn 1)\nECHO: alpha\n\n## User (turn 2)\nbeta\n\n## Assistant (turn 2)\n(no text reply)");
    expect(r.text.endsWith("\n\n# End of the earlier conversation")).toBe(true);
    expect(r.text).not.toContain("omitted");
  });

  test("keeps the newest turns within the budget and names how many earlier ones were omitted", () => {
    const all = turns(10, 400); // about 205 tokens a turn
    const r = renderReplay(all, 700)!;
    expect(r).toMatchObject({ turns: 3, omitted: 7, clipped: false });
    expect(r.text).toContain("[aegis: 7 earlier turns omitted]");
    expect(r.text).toContain("## User (turn 8)\nu8 ");
    expect(r.text).toContain("## Assistant (turn 10)\na10 ");
    expect(r.text).not.toContain("u7 ");
    expect(r.text.indexOf("omitted]")).toBeLessThan(r.text.indexOf("## User (turn 8)"));
    expect(r.text.indexOf("(turn 8)")).toBeLessThan(r.text.indexOf("(turn 9)"));
    // The turns kept stay within the budget (the fixed heading and note are not counted).
    const body = r.text.slice(r.text.indexOf("## User (turn 8)"), r.text.indexOf("\n\n# End"));
    expect(estimateTokens(body)).toBeLessThanOrEqual(700);
    expect(renderReplay(all, 1)!.text).toContain("[aegis: 9 earlier turns omitted]");
    expect(renderReplay(all.slice(0, 2), 700)!.omitted).toBe(0);
    expect(renderReplay(turns(2, 400).concat(turns(1, 0)), 700)!.text).not.toContain("omitted");
  });

  test("one earlier turn omitted reads in the singular", () => {
    expect(renderReplay(turns(2, 400), 300)!.text).toContain("[aegis: 1 earlier turn omitted]");
  });

  test("a newest turn over the budget alone is kept, shortened in the middle, and says so", () => {
    const r = renderReplay([{ user: "start " + "u".repeat(10_000) + " finish", assistant: "begin " + "a".repeat(10_000) + " end" }], 1_000)!;
    expect(r).toMatchObject({ turns: 1, omitted: 0, clipped: true });
    expect(r.text).toContain("## User (turn 1)\nstart ");
    expect(r.text).toContain(" finish\n\n## Assistant (turn 1)\nbegin ");
    expect(r.text).toContain(" end\n\n# End of the earlier conversation");
    expect(r.text).toMatch(/\[aegis: \d+ characters cut\]/);
    const body = r.text.slice(r.text.indexOf("## User"), r.text.indexOf("\n\n# End"));
    expect(estimateTokens(body)).toBeLessThanOrEqual(1_000);
  });

  test("nothing to replay, or a budget of 0 (replay off), renders nothing", () => {
    expect(renderReplay([], 24_000)).toBeUndefined();
    expect(renderReplay(turns(3), 0)).toBeUndefined();
  });

  test("tokens are estimated at 4 characters each, rounded up; clipMiddle keeps both ends", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("abcde")).toBe(2);
    expect(clipMiddle("short", 10)).toBe("short");
    const clipped = clipMiddle(`HEAD${"m".repeat(1000)}TAIL`, 100);
    expect(clipped.length).toBeLessThanOrEqual(100);
    expect(clipped.startsWith("HEAD")).toBe(true);
    expect(clipped.endsWith("TAIL")).toBe(true);
    expect(clipped).toContain("characters cut]");
  });
});

describeDb("readConversation on the store contract (#15)", (b) => {
  test("the conversation a handle carried across sessions reads the same on both backends (#15)", async () => {
    const { db } = await b.open();
    const run = "workflow:w:run_1";
    const write = async (id: string, turns: TranscriptEvent[][]) => {
      await db.sessions.insertSession({ id, handle: "impl-one", agent: "impl", provider: "scripted", spawnedBy: run, createdAt: Date.now() });
      db.events.appendEvents(id, turns.flatMap((events, i) => events.map((event) => ({ turn: i + 1, at: Date.now(), event }))));
      await db.sessions.closeSessionRow(id, Date.now());
    };
    await write("ses_a", [[{ type: "prompt", text: "one" }, { type: "text", text: "r1" }, end()], [{ type: "prompt", text: "fails" }, end(true)]]);
    await write("ses_b", [[{ type: "prompt", text: "two" }, { type: "text", text: "part ", messageId: "m" }, { type: "text", text: "r2", messageId: "m" }, end()]]);
    const chain = await db.sessions.sessionChain("impl-one", run);
    expect(chain).toEqual(["ses_a", "ses_b"]);
    expect(await readConversationDb(db, chain)).toEqual([{ user: "one", assistant: "r1" }, { user: "two", assistant: "part r2" }]);
  }, 30_000);
});
