// A real ACP agent aegis has no special code for: GitHub Copilot CLI (pinned, .live/) driven as `new ACPAgent({
// command: [copilot, "--acp", "--no-auto-update"] })`, offline against the loopback mock LLM (BYOK, copilot-env.ts).
// Copilot asks permission for every shell command and MCP call, so aegis's policy answers them; its #plan mode is
// chosen for read. Checked from what aegis saw and what the mock received: a text turn with the user's exact text,
// memory across turns, a shell tool call, a read-only session refused a write (asked and denied by policy; the plan
// mode blocks the file tool itself), resume from a new process by session/load, interrupt, and, traced with strace,
// no address but 127.0.0.1. The MCP plane call back into aegis is in acp-agent-plane.test.ts.
// Skips cleanly, with the reason printed, when Copilot CLI is not installed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Permission } from "../../src/config/providers.ts";
import type { DriverSession, StartOptions } from "../../src/drivers/driver.ts";
import { startAgent } from "../../src/drivers/registry.ts";
import { COPILOT_BIN, makeCopilotEnv, skipCopilot, type CopilotEnv } from "./copilot-env.ts";
import { findTagged, runTurn, waitFor } from "./live-helpers.ts";
import { type MockLlm, type RecordedRequest, startMockLlm } from "./mock-llm.ts";
import { findStrace, isAllowedDestination, makeNetTrace } from "./net-check.ts";
import { messageTexts } from "./request-parts.ts";

const TIMEOUT_MS = 90_000;
/** How Copilot CLI 1.0.102 hands the user's words to the model: one text part, the time first (measured). */
const DATETIME_WRAPPER = /^<current_datetime>[^<]+<\/current_datetime>\n\n/;

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock?.stop();
});

describe.skipIf(skipCopilot())("live GitHub Copilot CLI as a generic ACPAgent (#10)", () => {
  let env: CopilotEnv;
  beforeAll(async () => {
    env = await makeCopilotEnv(mock);
  });
  afterAll(async () => {
    if (env) expect(findTagged(env.tag)).toEqual([]);
    await env?.cleanup();
  });

  async function withSession(permission: Permission, fn: (s: DriverSession) => Promise<void>, start: Partial<StartOptions> = {}, command0?: string): Promise<void> {
    const session = await startAgent(env.agent(permission, command0 ? { command0 } : {}), { cwd: env.workDir, handle: "copilot-live", ...start });
    try {
      await fn(session);
    } finally {
      await session.close();
    }
  }

  /** The model requests a turn caused. */
  async function turnRequests(s: DriverSession, text: string, timeoutMs = 30_000) {
    const before = mock.requests.length;
    const turn = await runTurn(s, text, { timeoutMs });
    return { turn, reqs: mock.requests.slice(before).filter((r) => r.kind === "model") };
  }

  /** The last user message's text parts, as Copilot sent them. */
  const lastUserTexts = (req: RecordedRequest) => messageTexts(req).filter((m) => m.role === "user").at(-1)?.texts ?? [];

  test("a text turn: the reply streams back, and the mock got the user's exact text after Copilot's time stamp", () =>
    withSession("full", async (s) => {
      const text = "Fix the bug in main.ts: “tabs” are dropped — keep them.";
      const { turn, reqs } = await turnRequests(s, text);
      expect(turn.end.isError).toBe(false);
      expect(turn.text).toContain(text);
      expect(turn.events[0]).toMatchObject({ type: "init" });
      expect(s.providerSessionId).toBeTruthy();
      const parts = lastUserTexts(reqs[0]!);
      expect(parts.at(-1)?.replace(DATETIME_WRAPPER, "")).toBe(text);
      expect(reqs[0]!.headers.authorization ?? "").not.toMatch(/gh[opsu]_/);
    }), TIMEOUT_MS);

  test("with a primer and a replay: each reaches the model once, before the user's words, which end the part unchanged", () =>
    withSession("full", async (s) => {
      const primer = "You are alpha, one session in an aegis team.";
      const replay = "# Earlier conversation (replayed)\n## User (turn 1)\nthe parser drops tabs";
      const first = await turnRequests(s, "and now the tests, please");
      // Copilot joins a prompt's text blocks with a newline into one part (measured): the user's text ends it intact.
      const part = lastUserTexts(first.reqs[0]!).at(-1)!.replace(DATETIME_WRAPPER, "");
      expect(part).toBe(`${primer}\n${replay}\nand now the tests, please`);
      const later = await turnRequests(s, "second turn");
      expect(lastUserTexts(later.reqs[0]!).at(-1)?.replace(DATETIME_WRAPPER, "")).toBe("second turn");
      const all = messageTexts(later.reqs[0]!).flatMap((m) => m.texts).join("\n");
      expect(all.split(primer).length - 1).toBe(2); // once in the first user message, once in the mock's echo of it
    }, { systemPrompt: "You are alpha, one session in an aegis team.", replay: "# Earlier conversation (replayed)\n## User (turn 1)\nthe parser drops tabs" }), TIMEOUT_MS);

  test("three turns on one process keep memory", () =>
    withSession("full", async (s) => {
      const pid = s.pid;
      await runTurn(s, "remember alpha", { timeoutMs: 30_000 });
      await runTurn(s, "remember beta", { timeoutMs: 30_000 });
      const { text } = await runTurn(s, "RECALL", { timeoutMs: 30_000 });
      expect(text).toContain("alpha");
      expect(text).toContain("beta");
      expect(s.pid).toBe(pid);
    }), TIMEOUT_MS);

  test("a shell tool call: Copilot asks, full allows, and the output comes back", () =>
    withSession("full", async (s) => {
      const { turn } = await turnRequests(s, "RUN: echo live-acp-ok");
      expect(turn.end.isError).toBe(false);
      expect(turn.toolCalls[0]).toMatchObject({ kind: "execute" });
      expect(turn.toolResults[0]).toMatchObject({ ok: true, id: turn.toolCalls[0]!.id });
      expect(turn.toolResults[0]!.text).toContain("live-acp-ok");
    }), TIMEOUT_MS);

  test("read-only: a write its #plan mode misses is asked and refused by aegis's policy; the ones it sees it blocks itself", () =>
    withSession("read", async (s) => {
      // Copilot's plan mode does not recognise this as a change, so it asks; aegis's policy for read says no.
      const asked = await runTurn(s, `RUN: python3 -c "open('py-made.txt','w').write('x')"`, { timeoutMs: 30_000 });
      expect(existsSync(join(env.workDir, "py-made.txt"))).toBe(false);
      expect(asked.toolResults[0]).toMatchObject({ ok: false });
      expect(asked.toolResults[0]!.text).toContain('refused by aegis: permission "read" does not allow execute tool');
      // These it recognises, and its plan mode (chosen by aegis for read) blocks them without asking.
      const shell = await runTurn(s, "RUN: touch shell-made.txt", { timeoutMs: 30_000 });
      expect(existsSync(join(env.workDir, "shell-made.txt"))).toBe(false);
      expect(shell.text).toMatch(/blocked/i);
      const file = await runTurn(s, "WRITE: tool-made.txt nope", { timeoutMs: 30_000 });
      expect(existsSync(join(env.workDir, "tool-made.txt"))).toBe(false);
      expect(file.toolResults[0]).toMatchObject({ ok: false });
      expect(file.text).toMatch(/blocked/i);
    }), TIMEOUT_MS);

  test("write: Copilot has no edit-only mode, so it stays in #agent and aegis's policy allows the file tool, refuses the shell", () =>
    withSession("write", async (s) => {
      const file = await runTurn(s, "WRITE: allowed.txt written by copilot", { timeoutMs: 30_000 });
      expect(file.toolResults[0]).toMatchObject({ ok: true });
      expect(await Bun.file(join(env.workDir, "allowed.txt")).text()).toContain("written by copilot");
      const shell = await runTurn(s, "RUN: touch shell-made-at-write.txt", { timeoutMs: 30_000 });
      expect(existsSync(join(env.workDir, "shell-made-at-write.txt"))).toBe(false);
      expect(shell.toolResults[0]!.text).toContain('refused by aegis: permission "write" does not allow execute tool');
    }), TIMEOUT_MS);

  test("resume from a new process by session/load: the earlier turns are remembered", async () => {
    let id: string | undefined;
    await withSession("full", async (s) => {
      await runTurn(s, "remember kumquat", { timeoutMs: 30_000 });
      id = s.providerSessionId;
    });
    expect(id).toBeTruthy();
    await withSession("full", async (s) => {
      expect(s.providerSessionId).toBe(id);
      const { turn, reqs } = await turnRequests(s, "RECALL");
      expect(turn.text).toContain("kumquat");
      expect(lastUserTexts(reqs[0]!).at(-1)?.replace(DATETIME_WRAPPER, "")).toBe("RECALL");
    }, { resumeId: id });
  }, TIMEOUT_MS);

  test("interrupt mid-tool ends the turn as cancelled, leaves no sleep behind, and the next turn works", () =>
    withSession("full", async (s) => {
      const turn = await runTurn(s, "SLEEP_TOOL", {
        timeoutMs: 30_000,
        onEvent: async (ev) => {
          if (ev.type === "tool_call") await s.interrupt();
        },
      });
      expect(turn.end).toMatchObject({ isError: true, stopReason: "cancelled" });
      await waitFor("the interrupted sleep to end", () => !findTagged(env.tag).some((p) => /^sleep 30/.test(p.cmdline)), 10_000);
      const next = await runTurn(s, "still there?", { timeoutMs: 30_000 });
      expect(next.end.isError).toBe(false);
      expect(next.text).toContain("still there?");
    }), TIMEOUT_MS);

  test("a model asked for is refused with E_CONFIG: Copilot offers no model choice over ACP (it takes COPILOT_MODEL)", async () => {
    const err = await startAgent(env.agent("full", { model: "gpt-9" }), { cwd: env.workDir, handle: "copilot-model" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_CONFIG", data: { model: "gpt-9" } });
    expect((err as Error).message).toContain("Copilot CLI offers no model choice over ACP");
  }, TIMEOUT_MS);

  const strace = findStrace();
  test.skipIf(!strace)("traced with strace, the agent addresses nothing but 127.0.0.1", async () => {
    const trace = await makeNetTrace(env.root, strace!, COPILOT_BIN);
    await withSession("full", async (s) => {
      expect((await runTurn(s, "RUN: echo traced", { timeoutMs: 30_000 })).end.isError).toBe(false);
    }, {}, trace.bin);
    const destinations = await trace.destinations();
    expect(destinations.some((d) => d.startsWith("127.0.0.1:"))).toBe(true);
    expect(destinations.filter((d) => !isAllowedDestination(d))).toEqual([]);
  }, TIMEOUT_MS);
});
