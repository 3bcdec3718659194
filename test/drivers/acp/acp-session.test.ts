// ACP session behaviour beyond the shared conformance suite, against fake-acp in both flavors: permission answers by
// policy (auto asks, refusals are reported, aegis's own MCP tools always pass), MCP server shapes, the primer and replay (their own text blocks),
// resume failures, a process that dies while a grandchild holds its stdout, and cost/usage mapping.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { GeminiCLI, OpenCode, type Permission } from "../../../src/config/providers.ts";
import type { AgentEvent, DriverSession, PermissionRequest, StartOptions } from "../../../src/drivers/driver.ts";
import { startAgent } from "../../../src/drivers/registry.ts";
import { tempDir } from "../../fixtures/helpers/temp-dir.ts";
import { waitForPidsGone, within } from "../../fixtures/helpers/wait.ts";
import { runTurn, textOf } from "../conformance.ts";
import { FAKE_ACP } from "./fake-acp.ts";

type Flavor = "gemini" | "opencode";
const AEGIS_MCP = { type: "http" as const, name: "aegis", url: "http://127.0.0.1:9/mcp/secret", headers: { Authorization: "Bearer s3cret" } };

interface Ctx { dir: ReturnType<typeof tempDir>; log: () => Array<Record<string, any>> }

async function withAcp(
  flavor: Flavor,
  o: { permission?: Permission; start?: Partial<StartOptions>; env?: Record<string, string> },
  fn: (s: DriverSession, ctx: Ctx) => Promise<void>,
): Promise<void> {
  using dir = tempDir(`acp-${flavor}`);
  const env = { FAKE_ACP_STATE_DIR: dir.join("state"), FAKE_CLI_LOG: dir.join("turns.log"), ...o.env };
  const base = { model: flavor === "gemini" ? "gemini-2.5-flash" : "opencode/big-pickle", permission: o.permission ?? "full", bin: FAKE_ACP, env };
  const provider = flavor === "gemini" ? new GeminiCLI(base) : new OpenCode(base);
  const session = await startAgent(provider, { cwd: dir.path, handle: "acp-test", ...o.start });
  const log = () => existsSync(dir.join("turns.log"))
    ? readFileSync(dir.join("turns.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>)
    : [];
  try {
    await fn(session, { dir, log });
  } finally {
    await within(session.close(), 10_000, "close");
  }
}

const results = (events: AgentEvent[]) => events.filter((e) => e.type === "tool_result");

for (const flavor of ["gemini", "opencode"] as const) {
  describe(`ACP session (${flavor})`, () => {
    test("auto asks the human for a shell command, and the answer decides", () =>
      withAcp(flavor, { permission: "auto", start: { askPermission: async (r) => r.title.includes("yes-file") } }, async (s, { dir }) => {
        const yes = await runTurn(s, "RUN: touch yes-file");
        expect(existsSync(dir.join("yes-file"))).toBe(true);
        expect(results(yes.events)).toMatchObject([{ ok: true }]);
        const no = await runTurn(s, "RUN: touch no-file");
        expect(existsSync(dir.join("no-file"))).toBe(false);
        expect(results(no.events)).toMatchObject([{ ok: false }]);
        expect(no.end.isError).toBe(false);
      }));

    test("auto without anyone to ask refuses, and says so in the tool result", () =>
      withAcp(flavor, { permission: "auto" }, async (s, { dir }) => {
        const { events } = await runTurn(s, "RUN: touch refused-file");
        expect(existsSync(dir.join("refused-file"))).toBe(false);
        const [result] = results(events);
        expect(result).toMatchObject({ ok: false });
        expect(result?.type === "tool_result" && result.text).toContain('permission "auto"');
      }));

    test("the question names the tool, its kind and its input", () => {
      const asked: PermissionRequest[] = [];
      return withAcp(flavor, { permission: "auto", start: { askPermission: async (r) => { asked.push(r); return false; } } }, async (s) => {
        await runTurn(s, "RUN: touch asked-file");
        expect(asked).toHaveLength(1);
        expect(asked[0]).toMatchObject({ kind: "execute", toolName: flavor === "gemini" ? "run_shell_command" : "bash", title: "touch asked-file" });
      });
    });

    test("aegis's own MCP tools are allowed even for a read-only agent; the server reaches the CLI in ACP's shape", () =>
      withAcp(flavor, { permission: "read", start: { mcpServers: [AEGIS_MCP] } }, async (s) => {
        const { events, end } = await runTurn(s, 'TOOL: aegis_whoami {"x":1}');
        expect(end.isError).toBe(false);
        expect(results(events)).toMatchObject([{ ok: true }]);
        expect(textOf(events)).toContain('MCP aegis/whoami: {"x":1}');
      }));

    test("read: a write and a shell command leave nothing behind", () =>
      withAcp(flavor, { permission: "read" }, async (s, { dir }) => {
        const write = await runTurn(s, "WRITE: w.txt nope");
        const run = await runTurn(s, "RUN: touch t.txt");
        expect(existsSync(dir.join("w.txt"))).toBe(false);
        expect(existsSync(dir.join("t.txt"))).toBe(false);
        expect([...results(write.events), ...results(run.events)].filter((r) => r.type === "tool_result" && r.ok)).toEqual([]);
        const read = await runTurn(s, "READ: missing.txt");
        expect(read.end.isError).toBe(false);
      }));

    test("write: edits pass, shell commands do not", () =>
      withAcp(flavor, { permission: "write" }, async (s, { dir }) => {
        await runTurn(s, "WRITE: edited.txt fine");
        expect(readFileSync(dir.join("edited.txt"), "utf8")).toBe("fine");
        await runTurn(s, "RUN: touch shell.txt");
        expect(existsSync(dir.join("shell.txt"))).toBe(false);
      }));

    test("an interrupt while a human is still deciding answers the question 'cancelled' and ends the turn", () => {
      let asked!: () => void;
      const question = new Promise<void>((r) => { asked = r; });
      return withAcp(flavor, { permission: "auto", start: { askPermission: () => { asked(); return new Promise<boolean>(() => {}); } } }, async (s, { dir }) => {
        const turn = runTurn(s, "RUN: touch undecided.txt");
        await question;
        await s.interrupt();
        const { end } = await turn;
        expect(end).toMatchObject({ isError: true, stopReason: "cancelled" });
        expect(existsSync(dir.join("undecided.txt"))).toBe(false);
        expect((await runTurn(s, "MEMO: after")).end.isError).toBe(false);
      });
    });

    test("an interrupted shell command is reported as a failed tool, though the CLI calls it completed", () =>
      withAcp(flavor, {}, async (s) => {
        const events: AgentEvent[] = [];
        for await (const ev of s.send("MODE:sleep-tool")) {
          events.push(ev);
          if (ev.type === "tool_call") await s.interrupt();
        }
        expect(results(events)).toMatchObject([{ ok: false }]);
        expect(events.at(-1)).toMatchObject({ type: "turn_end", stopReason: "cancelled", isError: true });
      }));

    test("a reader that leaves mid-tool cancels the turn; the next send waits for it, then runs", () =>
      withAcp(flavor, {}, async (s) => {
        for await (const ev of s.send("MODE:sleep-tool")) if (ev.type === "tool_call") break;
        const next = await runTurn(s, "MEMO: next", 10_000);
        expect(next.end.isError).toBe(false);
        expect(textOf(next.events)).toContain("NOTED: next");
      }));

    test("the primer and a replay travel once, each a text block of its own before the user's unchanged text (#9)", () =>
      withAcp(flavor, { start: { systemPrompt: "You are brisk-curie.", replay: "## User (turn 1)\nhello" } }, async (s, { log }) => {
        const first = await runTurn(s, "Fix the bug in main.ts");
        expect(textOf(first.events)).toBe("ECHO: Fix the bug in main.ts");
        await runTurn(s, "  MEMO: two\n");
        expect(log().map((l) => l.prompt)).toEqual(["Fix the bug in main.ts", "  MEMO: two\n"]);
        expect(log().map((l) => l.context)).toEqual([["You are brisk-curie.", "## User (turn 1)\nhello"], []]);
        // Not as embedded resources: Gemini CLI glues a resource's `@uri` mention onto the user's first word.
        expect(log().map((l) => l.resources)).toEqual([[], []]);
      }));

    test("a resumed session is not primed again: its history holds the primer (#9)", async () => {
      using dir = tempDir(`acp-${flavor}-resume-primer`);
      const base = { model: "m", bin: FAKE_ACP, env: { FAKE_ACP_STATE_DIR: dir.join("state"), FAKE_CLI_LOG: dir.join("turns.log") } };
      const provider = flavor === "gemini" ? new GeminiCLI(base) : new OpenCode(base);
      const first = await startAgent(provider, { cwd: dir.path, handle: "p", systemPrompt: "You are brisk-curie." });
      await runTurn(first, "MEMO: one");
      await first.close();
      const second = await startAgent(provider, { cwd: dir.path, handle: "p", systemPrompt: "You are brisk-curie.", resumeId: first.providerSessionId });
      try {
        await runTurn(second, "MEMO: two");
      } finally {
        await second.close();
      }
      const log = readFileSync(dir.join("turns.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { context: string[] });
      expect(log.map((l) => l.context)).toEqual([["You are brisk-curie."], []]);
    });

    test(`a first turn failing with an API error: the opening is ${flavor === "gemini" ? "sent again, as Gemini CLI forgets that prompt" : "not sent again, as OpenCode keeps that prompt"} (#9)`, () =>
      withAcp(flavor, { start: { systemPrompt: "You are brisk-curie.", replay: "earlier turns" } }, async (s, { log }) => {
        expect((await runTurn(s, "MOCK_ERROR: 400")).end.isError).toBe(true);
        expect((await runTurn(s, "MEMO: again")).end.isError).toBe(false);
        await runTurn(s, "MEMO: third");
        const again = flavor === "gemini" ? ["You are brisk-curie.", "earlier turns"] : [];
        expect(log().map((l) => l.context)).toEqual([["You are brisk-curie.", "earlier turns"], again, []]);
      }));

    test("a process that dies while a grandchild holds its stdout still ends the turn, with the exit and stderr", () =>
      withAcp(flavor, {}, async (s) => {
        const { end } = await runTurn(s, "MODE:orphan-stdout", 10_000);
        expect(end.isError).toBe(true);
        expect(end.error).toContain("exited with code 5");
        expect(end.error).toContain("grandchild holding stdout");
        expect((await runTurn(s, "MEMO: dead", 5000)).end.isError).toBe(true);
      }));

    test("resume: history the CLI replays for session/load never leaks into the first turn", async () => {
      using dir = tempDir(`acp-${flavor}-replay`);
      const base = { model: "m", bin: FAKE_ACP, env: { FAKE_ACP_STATE_DIR: dir.join("state") } };
      const provider = flavor === "gemini" ? new GeminiCLI(base) : new OpenCode(base);
      const first = await startAgent(provider, { cwd: dir.path, handle: "r" });
      for (const w of ["one", "two", "three"]) await runTurn(first, `MEMO: ${w}`);
      await first.close();
      const second = await startAgent(provider, { cwd: dir.path, handle: "r", resumeId: first.providerSessionId });
      try {
        // A turn long enough for a replay streamed after the load answer to land inside it.
        const { events } = await runTurn(second, "RUN: sleep 0.2 && echo fresh");
        expect(textOf(events)).toBe("TOOL OUTPUT: fresh");
      } finally {
        await second.close();
      }
    });

    test("resume of an unknown session id fails with E_NOT_FOUND; without loadSession with E_STATE", async () => {
      using dir = tempDir(`acp-${flavor}-resume`);
      const make = (env: Record<string, string>) => {
        const base = { model: "m", bin: FAKE_ACP, env: { FAKE_ACP_STATE_DIR: dir.join("state"), ...env } };
        return flavor === "gemini" ? new GeminiCLI(base) : new OpenCode(base);
      };
      const start = (env: Record<string, string>) => startAgent(make(env), { cwd: dir.path, handle: "r", resumeId: "no-such-session" });
      await expect(start({})).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      await expect(start({ FAKE_ACP_NO_LOAD: "1" })).rejects.toMatchObject({ code: "E_STATE", data: { reason: "load-unsupported" } });
    });

    test("an API error ends the turn with the agent's message; the next turn works", () =>
      withAcp(flavor, {}, async (s) => {
        const { end } = await runTurn(s, "MOCK_ERROR: 500");
        expect(end).toMatchObject({ isError: true, stopReason: "error" });
        expect(end.error).toContain("mock-llm scripted error 500");
        expect((await runTurn(s, "MEMO: recovered")).end.isError).toBe(false);
      }));

    test("close stops the CLI and the commands it started, and removes its private files", () =>
      withAcp(flavor, { permission: "read", start: { mcpServers: [AEGIS_MCP] } }, async (s) => {
        const pid = s.pid as number;
        await runTurn(s, "MEMO: x");
        await s.close();
        await waitForPidsGone([pid], 3000);
      }));
  });
}

describe("ACP session lifetime", () => {
  test("aborting the start signal closes the session and stops the CLI", async () => {
    const ac = new AbortController();
    await withAcp("opencode", { start: { signal: ac.signal } }, async (s) => {
      const pid = s.pid as number;
      await runTurn(s, "MEMO: alive");
      ac.abort();
      await waitForPidsGone([pid], 5000);
      expect((await runTurn(s, "MEMO: after abort", 5000)).end).toMatchObject({ isError: true, error: "the session was closed" });
    });
  });
});

describe("ACP usage and cost", () => {
  test("OpenCode: tokens from the prompt result, cost as the turn's share of the session's cumulative cost", () =>
    withAcp("opencode", {}, async (s) => {
      const one = await runTurn(s, "MEMO: a");
      const two = await runTurn(s, "MEMO: b c");
      expect(one.end.usage.input).toBeGreaterThan(0);
      expect(one.end.costUsd).toBeGreaterThan(0);
      // The fake bills (input + output) × 1e-5 per turn; the session total grows, each turn reports only its own.
      expect(two.end.costUsd).toBeCloseTo((two.end.usage.input + two.end.usage.output) * 1e-5, 10);
      const usage = two.events.filter((e) => e.type === "usage");
      expect(usage).toHaveLength(1);
    }));

  test("Gemini: tokens from _meta.quota.token_count, no cost reported", () =>
    withAcp("gemini", {}, async (s) => {
      const { end } = await runTurn(s, "MEMO: a");
      expect(end.usage.input).toBeGreaterThan(0);
      expect(end.usage.output).toBeGreaterThan(0);
      expect(end.costUsd).toBeUndefined();
    }));
});
