import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ClaudeCode, type Permission } from "../../../src/config/providers.ts";
import { claudeDriver } from "../../../src/drivers/claude/claude-driver.ts";
import type { AgentEvent, DriverSession, PermissionRequest, StartOptions, TurnEnd } from "../../../src/drivers/driver.ts";
import { startMcpStub } from "../../fixtures/helpers/mcp-http-stub.ts";
import { pidsWithEnv } from "../../fixtures/helpers/procs.ts";
import { tempDir, type TempDir } from "../../fixtures/helpers/temp-dir.ts";
import { waitFor, waitForPidsGone, within } from "../../fixtures/helpers/wait.ts";
import { runTurn, textOf } from "../conformance.ts";

const FAKE_CLAUDE = join(import.meta.dir, "../../fixtures/bin/fake-claude");

let dir: TempDir;
beforeAll(() => {
  dir = tempDir("claude-session");
});
afterAll(() => dir.remove());

function provider(permission: Permission = "full", env: Record<string, string> = {}) {
  return new ClaudeCode({
    model: "claude-sonnet-4-5", effort: "low", permission, bin: FAKE_CLAUDE,
    env: { IS_SANDBOX: "1", FAKE_CLAUDE_STATE_DIR: dir.join("state"), FAKE_CLI_LOG: dir.join("turns.log"), ...env },
  });
}

async function withClaude(fn: (s: DriverSession) => Promise<void>, p = provider(), opts: Partial<StartOptions> = {}) {
  const s = await claudeDriver.start(p, { cwd: dir.path, handle: "brisk-curie", ...opts });
  try {
    await fn(s);
  } finally {
    await within(s.close(), 10_000, "close");
  }
}

describe("claude driver against fake-claude", () => {
  test("the CLI gets the mapped argv and the parent's whole env, minus internal variables, plus provider and start env (#9)", async () => {
    process.env.ANTHROPIC_BASE_URL = "http://127.0.0.1:9";
    process.env.GITHUB_TOKEN_FOR_TEST = "passes";
    process.env.AEGIS_FAILPOINT = "never:0";
    try {
      await withClaude(async (s) => {
        const { events } = await runTurn(s, "MODE:argv");
        const seen = JSON.parse(textOf(events));
        expect(seen.argv).toContain("--verbose");
        expect(seen.argv.slice(seen.argv.indexOf("--permission-mode"), seen.argv.indexOf("--permission-mode") + 2)).toEqual(["--permission-mode", "bypassPermissions"]);
        expect(seen.argv.slice(seen.argv.indexOf("--effort"), seen.argv.indexOf("--effort") + 2)).toEqual(["--effort", "low"]);
        expect(seen.env.ANTHROPIC_BASE_URL).toBe("http://127.0.0.1:9");
        expect(seen.env.FROM_START).toBe("yes");
        expect(seen.env.IS_SANDBOX).toBe("1");
        expect(seen.env.GITHUB_TOKEN_FOR_TEST).toBe("passes");
        expect(seen.env.PATH).toBe(process.env.PATH);
        expect(seen.env.AEGIS_FAILPOINT).toBeUndefined();
        expect(seen.env.AEGIS_PROC_TAG).toBeTruthy();
        expect(seen.cwd).toBe(dir.path);
      }, provider(), { env: { FROM_START: "yes" } });
    } finally {
      delete process.env.ANTHROPIC_BASE_URL;
      delete process.env.GITHUB_TOKEN_FOR_TEST;
      delete process.env.AEGIS_FAILPOINT;
    }
  });

  test("inheritEnv on the provider narrows what the CLI inherits to the listed names and globs (#9)", async () => {
    process.env.ANTHROPIC_BASE_URL = "http://127.0.0.1:9";
    process.env.GITHUB_TOKEN_FOR_TEST = "not-listed";
    try {
      const p = provider();
      const hardened = new ClaudeCode({ model: p.model, effort: p.effort, permission: p.permission, bin: p.bin, env: p.env, inheritEnv: ["PATH", "ANTHROPIC_*"] });
      await withClaude(async (s) => {
        const seen = JSON.parse(textOf((await runTurn(s, "MODE:argv")).events));
        expect(seen.env.ANTHROPIC_BASE_URL).toBe("http://127.0.0.1:9");
        expect(seen.env.PATH).toBe(process.env.PATH);
        expect(seen.env.IS_SANDBOX).toBe("1"); // the provider's env is explicit: it always applies
        expect(seen.env.GITHUB_TOKEN_FOR_TEST).toBeUndefined();
        expect(seen.env.HOME).toBeUndefined();
        expect(seen.env.AEGIS_PROC_TAG).toBeTruthy();
      }, hardened);
    } finally {
      delete process.env.ANTHROPIC_BASE_URL;
      delete process.env.GITHUB_TOKEN_FOR_TEST;
    }
  });

  test("the system prompt reaches the CLI", () => withClaude(async (s) => {
    const { events } = await runTurn(s, "MODE:system-prompt");
    expect(textOf(events)).toBe("SYSTEM PROMPT: You are brisk-curie.");
  }, provider(), { systemPrompt: "You are brisk-curie." }));

  test("a replay goes once, as a content block of its own before the first turn's text; the primer stays in the system prompt (#9)", async () => {
    const log = dir.join("replay-turns.log");
    await withClaude(async (s) => {
      expect(textOf((await runTurn(s, "Fix the bug in main.ts")).events)).toBe("ECHO: Fix the bug in main.ts");
      await runTurn(s, "  MEMO: two\n");
    }, provider("full", { FAKE_CLI_LOG: log }), { systemPrompt: "You are brisk-curie.", replay: "## User (turn 1)\nhello" });
    const turns = (await Bun.file(log).text()).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(turns.map((t) => t.prompt)).toEqual(["Fix the bug in main.ts", "  MEMO: two\n"]);
    expect(turns.map((t) => t.context)).toEqual([["## User (turn 1)\nhello"], undefined]);
    expect(turns.map((t) => t.systemPrompt)).toEqual(["You are brisk-curie.", "You are brisk-curie."]);
  });

  test("each turn reports its own cost, not the process's running total", () => withClaude(async (s) => {
    // fake-claude bills 3e-6/input and 15e-6/output token; "MEMO: x" is 120 in, "NOTED: x" is 4 out.
    const one = await runTurn(s, "MEMO: alpha");
    const two = await runTurn(s, "MEMO: beta");
    expect(one.end.costUsd).toBeCloseTo(0.00042, 9);
    expect(two.end.costUsd).toBeCloseTo(0.00042, 9);
    expect(two.end.usage).toEqual({ input: 120, output: 4, cacheRead: 0, cacheWrite: 0 });
    expect(two.events.find((e) => e.type === "usage")).toMatchObject({ costUsd: two.end.costUsd });
  }));

  test("an API error turn is an error even though the result subtype says success; the next turn works", () => withClaude(async (s) => {
    const { end } = await runTurn(s, "MODE:error");
    expect(end).toMatchObject({ isError: true, stopReason: "error" });
    expect(end.error).toContain("API Error: 500");
    expect((await runTurn(s, "hello again")).end.isError).toBe(false);
  }));

  test("a second send while a turn runs is refused with an error turn_end", () => withClaude(async (s) => {
    const first = s.send("MODE:slow")[Symbol.asyncIterator]();
    expect((await first.next()).value).toMatchObject({ type: "init" });
    const second = await runTurn(s, "hello");
    expect(second.end).toMatchObject({ isError: true, error: expect.stringContaining("already running") });
    await s.interrupt();
    const rest: AgentEvent[] = [];
    for (let r = await first.next(); !r.done; r = await first.next()) rest.push(r.value);
    expect(rest.at(-1)).toMatchObject({ type: "turn_end", stopReason: "cancelled", isError: true });
  }));

  test("a consumer that stops reading interrupts the turn; the session stays usable", () => withClaude(async (s) => {
    for await (const ev of s.send("MODE:sleep-tool")) if (ev.type === "tool_call") break;
    // The next send waits for the abandoned turn to wind down instead of being refused.
    const next = await runTurn(s, "after the break", 5000);
    expect(next.end.isError).toBe(false);
    expect(textOf(next.events)).toContain("after the break");
  }));

  test("close during a running tool kills the tool's shell, which ran in a session of its own", async () => {
    const log = dir.join("close-tool.log");
    let end: TurnEnd | undefined;
    await withClaude(async (s) => {
      for await (const ev of s.send("RUN: sleep 30")) {
        if (ev.type === "tool_call") {
          await waitFor(() => pidsWithEnv("FAKE_CLI_LOG", log).length >= 2, { what: "the tool shell" });
          void s.close();
        }
        if (ev.type === "turn_end") end = ev;
      }
    }, provider("full", { FAKE_CLI_LOG: log }));
    expect(end).toMatchObject({ isError: true, stopReason: "cancelled" });
    expect(pidsWithEnv("FAKE_CLI_LOG", log)).toEqual([]);
  });

  test("aborting the start signal closes the session and its process", async () => {
    const ac = new AbortController();
    const s = await claudeDriver.start(provider(), { cwd: dir.path, handle: "h", signal: ac.signal });
    const pid = s.pid as number;
    ac.abort();
    await waitForPidsGone([pid], 5000);
    expect((await runTurn(s, "anyone?")).end.isError).toBe(true);
    await s.close();
  });

  test("interrupt with no turn running is a no-op", () => withClaude(async (s) => {
    await s.interrupt();
    expect((await runTurn(s, "fine")).end.isError).toBe(false);
  }));
});

describe("claude permissions against fake-claude", () => {
  const ask = (answer: boolean, seen: PermissionRequest[]) => async (r: PermissionRequest) => {
    seen.push(r);
    return answer;
  };

  test("auto asks over stdio: a yes runs the command", async () => {
    const seen: PermissionRequest[] = [];
    await withClaude(async (s) => {
      const { events } = await runTurn(s, "RUN: touch auto-yes.txt");
      expect(events.find((e) => e.type === "tool_result")).toMatchObject({ ok: true });
    }, provider("auto"), { askPermission: ask(true, seen) });
    expect(existsSync(dir.join("auto-yes.txt"))).toBe(true);
    expect(seen).toEqual([{ toolName: "Bash", kind: "execute", title: "Bash: touch auto-yes.txt", input: { command: "touch auto-yes.txt", description: "Run touch auto-yes.txt" } }]);
  });

  test("the idle clock stops while a human decides on a question", async () => {
    const idleTimeoutMs = 150;
    const slowHuman = async () => {
      const t0 = performance.now();
      await waitFor(() => performance.now() - t0 > 4 * idleTimeoutMs, { what: "a slow human" });
      return true;
    };
    await withClaude(async (s) => {
      const { end } = await runTurn(s, "RUN: touch slow-human.txt");
      expect(end.isError).toBe(false);
    }, provider("auto"), { askPermission: slowHuman, idleTimeoutMs });
    expect(existsSync(dir.join("slow-human.txt"))).toBe(true);
  });

  test("auto: a no, or no one to ask, refuses the command", async () => {
    await withClaude(async (s) => {
      const { events } = await runTurn(s, "RUN: touch auto-no.txt");
      expect(events.find((e) => e.type === "tool_result")).toMatchObject({ ok: false, text: expect.stringContaining("refused by the user") });
    }, provider("auto"), { askPermission: ask(false, []) });
    await withClaude(async (s) => {
      await runTurn(s, "RUN: touch auto-nobody.txt");
    }, provider("auto"));
    expect(existsSync(dir.join("auto-no.txt"))).toBe(false);
    expect(existsSync(dir.join("auto-nobody.txt"))).toBe(false);
  });

  test("a read agent can call the aegis MCP server's tools (with its secret) but not another server's", async () => {
    using aegis = startMcpStub();
    using other = startMcpStub();
    await withClaude(async (s) => {
      const ok = await runTurn(s, "MCP: aegis whoami {}");
      expect(ok.events.find((e) => e.type === "tool_call")).toMatchObject({ name: "mcp__aegis__whoami", kind: "other" });
      expect(ok.events.find((e) => e.type === "tool_result")).toMatchObject({ ok: true, text: "caller: Bearer s3cret" });
      const denied = await runTurn(s, "MCP: other whoami {}");
      expect(denied.events.find((e) => e.type === "tool_result")).toMatchObject({ ok: false });
    }, provider("read"), {
      mcpServers: [
        { type: "http", name: "aegis", url: aegis.url, headers: { Authorization: "Bearer s3cret" } },
        { type: "http", name: "other", url: other.url },
      ],
    });
    expect(aegis.calls).toEqual([{ tool: "whoami", authorization: "Bearer s3cret" }]);
    expect(other.calls).toEqual([]);
  });

  test("read still runs read-only commands but not touch", () => withClaude(async (s) => {
    const ok = await runTurn(s, "RUN: echo looking");
    expect(ok.events.find((e) => e.type === "tool_result")).toMatchObject({ ok: true, text: "looking" });
    await runTurn(s, "RUN: touch read-touch.txt");
    expect(existsSync(dir.join("read-touch.txt"))).toBe(false);
  }, provider("read")));

  test("bypassPermissions as root without IS_SANDBOX: a clear error naming the fix", async () => {
    if (process.getuid?.() !== 0) return; // the CLI only refuses root
    let err: unknown;
    try {
      await claudeDriver.start(provider("full", { IS_SANDBOX: "0" }), { cwd: dir.path, handle: "h" });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "E_PERMISSION" });
    expect((err as { hint: string }).hint).toContain("IS_SANDBOX=1");
  });

  test("resuming an unknown session fails at start with the CLI's message", async () => {
    let err: unknown;
    try {
      await claudeDriver.start(provider(), { cwd: dir.path, handle: "h", resumeId: "no-such-session" });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "E_AGENT_EXIT", message: expect.stringContaining("No conversation found") });
  });

  test("a missing binary fails at start with the install command", async () => {
    const p = new ClaudeCode({ model: "m", bin: "/nonexistent/claude" });
    await expect(claudeDriver.start(p, { cwd: dir.path, handle: "h" })).rejects.toMatchObject({ code: "E_AGENT_MISSING", hint: expect.stringContaining("npm i -g @anthropic-ai/claude-code") });
  });
});
