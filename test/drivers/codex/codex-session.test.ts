// The Codex driver on the fake app-server (test/fixtures/bin/fake-codex) beyond the shared conformance suite (#10):
// approvals answered by policy at `auto`, MCP tools gated per server, a missing thread on resume, config validation.

import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { Agent, Codex } from "../../../src/config/providers.ts";
import { validateConfig } from "../../../src/config/validate.ts";
import type { DriverSession, PermissionRequest, StartOptions } from "../../../src/drivers/driver.ts";
import { turnOutcome, withDetails } from "../../../src/drivers/codex/turn-outcome.ts";
import { startAgent } from "../../../src/drivers/registry.ts";
import { errorCode } from "../../../src/util/errors.ts";
import { tempDir } from "../../fixtures/helpers/temp-dir.ts";
import { runTurn, textOf } from "../conformance.ts";
import { FAKE_CODEX } from "../../fixtures/fake-providers.ts";

async function withFake(permission: Codex["permission"], start: Partial<StartOptions>, fn: (s: DriverSession, dir: string) => Promise<void>): Promise<void> {
  using dir = tempDir("codex-session");
  const provider = new Codex({ model: "gpt-5.5", permission, bin: FAKE_CODEX, env: { CODEX_HOME: dir.join("home") } });
  const s = await startAgent(provider, { cwd: dir.path, handle: "h", ...start });
  try {
    await fn(s, dir.path);
  } finally {
    await s.close();
  }
}

describe("Codex driver on the fake app-server (#10)", () => {
  test("auto: a command and a file change are asked; refused, nothing runs or is written; allowed, they are", async () => {
    const asked: PermissionRequest[] = [];
    let allow = false;
    const askPermission = async (r: PermissionRequest) => (asked.push(r), allow);
    await withFake("auto", { askPermission }, async (s, dir) => {
      const refused = await runTurn(s, `RUN: touch ${dir}/no.txt`);
      expect(refused.events.filter((e) => e.type === "tool_result")).toMatchObject([{ ok: false, text: "declined" }]);
      await runTurn(s, "WRITE: no2.txt nope");
      expect(existsSync(`${dir}/no.txt`) || existsSync(`${dir}/no2.txt`)).toBe(false);
      allow = true;
      await runTurn(s, `RUN: touch ${dir}/yes.txt`);
      await runTurn(s, "WRITE: yes2.txt ok");
      expect(existsSync(`${dir}/yes.txt`) && existsSync(`${dir}/yes2.txt`)).toBe(true);
      expect(asked.map((r) => r.kind)).toEqual(["execute", "edit", "execute", "edit"]);
      // A read-only command is Codex's to allow without asking (untrusted approves known-safe commands).
      expect((await runTurn(s, "RUN: echo safe")).end.isError).toBe(false);
      expect(asked).toHaveLength(4);
    });
  });

  test("MCP: aegis's own tools pass at read; another server's tools are refused at write and allowed at full", async () => {
    const echo = { type: "stdio" as const, name: "echo", command: "true" };
    const plane = { type: "http" as const, name: "aegis", url: "http://127.0.0.1:9/mcp", headers: { Authorization: "Bearer s" } };
    await withFake("read", { mcpServers: [plane, echo] }, async (s) => {
      const own = await runTurn(s, "TOOL: aegis_list_sessions {}");
      expect(own.events.find((e) => e.type === "tool_call")).toMatchObject({ name: "mcp__aegis__list_sessions" });
      expect(own.events.find((e) => e.type === "tool_result")).toMatchObject({ ok: true });
      const other = await runTurn(s, 'TOOL: echo_echo {"text":"x"}');
      expect(other.events.find((e) => e.type === "tool_result")).toMatchObject({ ok: false, text: expect.stringContaining("requires approval") });
    });
    await withFake("full", { mcpServers: [echo] }, async (s) => {
      const other = await runTurn(s, 'TOOL: echo_echo {"text":"x"}');
      expect(other.events.find((e) => e.type === "tool_result")).toMatchObject({ ok: true, text: 'MCP echo/echo: {"text":"x"}' });
    });
  });

  test("a command Codex announces no item for (read-only sandbox) still shows once, from the raw items; an announced one once too (#10)", async () => {
    await withFake("read", {}, async (s, dir) => {
      const turn = await runTurn(s, `RUN: touch ${dir}/x.txt`);
      expect(turn.events.filter((e) => e.type === "tool_call")).toMatchObject([{ name: "shell", kind: "execute", input: { cmd: `touch ${dir}/x.txt` } }]);
      expect(turn.events.filter((e) => e.type === "tool_result")).toMatchObject([{ ok: false, text: expect.stringContaining("Read-only file system") }]);
      const listed = await runTurn(s, "RUN: echo visible");
      expect(listed.events.filter((e) => e.type === "tool_call")).toMatchObject([{ input: { command: "/bin/bash -lc 'echo visible'" } }]);
      expect(listed.events.filter((e) => e.type === "tool_result")).toMatchObject([{ ok: true, text: "visible" }]);
    });
  });

  test("turn/start never answered: the idle watchdog ends the turn with one timeout turn_end and stops Codex (#10)", () => withFake("write", { idleTimeoutMs: 300 }, async (s) => {
    const { end } = await runTurn(s, "MUTE_TURN_START");
    expect(end).toMatchObject({ isError: true, stopReason: "timeout", error: expect.stringContaining("300 ms") });
    // Codex was stopped: the next turn is refused at once, saying so.
    expect((await runTurn(s, "again")).end).toMatchObject({ isError: true, error: expect.stringContaining("Codex CLI exited") });
  }));

  test("an API error ends the turn with Codex's message; the thread goes on", () => withFake("write", {}, async (s) => {
    const failed = await runTurn(s, "MOCK_ERROR: 400");
    expect(failed.end).toMatchObject({ isError: true, stopReason: "error", error: "mock-llm scripted error 400" });
    expect(textOf((await runTurn(s, "again")).events)).toBe("ECHO: again");
  }));

  test("turn/completed → turn_end fields: completed, interrupted (asked or idle), failed with Codex's error or the last one reported", () => {
    const usage = { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 };
    const c = { usage, idleFired: false, idleMs: 300 };
    expect(turnOutcome({ id: "t", status: "completed" }, c)).toEqual({ stopReason: "end_turn", isError: false, usage });
    expect(turnOutcome({ id: "t", status: "interrupted" }, c)).toMatchObject({ stopReason: "cancelled", isError: true, error: "interrupted" });
    expect(turnOutcome({ id: "t", status: "interrupted" }, { ...c, idleFired: true })).toMatchObject({ stopReason: "timeout", error: expect.stringContaining("300 ms") });
    expect(turnOutcome({ id: "t", status: "failed", error: { message: "boom", additionalDetails: "why" } }, c)).toMatchObject({ stopReason: "error", error: "boom: why" });
    expect(turnOutcome({ id: "t", status: "failed", error: null }, { ...c, lastError: "stream lost" })).toMatchObject({ error: "stream lost" });
  });

  test("an API error's JSON body reads as its message and type", () => {
    expect(withDetails('{"error":{"message":"model not found","type":"invalid_request_error","param":null}}', null)).toBe("model not found (invalid_request_error)");
    expect(withDetails("stream disconnected", "retry later")).toBe("stream disconnected: retry later");
    expect(withDetails("{not json", null)).toBe("{not json");
  });

  test("resuming a thread Codex does not know is E_NOT_FOUND (reason load-failed), and no process is left", async () => {
    using dir = tempDir("codex-session");
    const provider = new Codex({ model: "m", bin: FAKE_CODEX, env: { CODEX_HOME: dir.join("home") } });
    let err: unknown;
    try {
      await startAgent(provider, { cwd: dir.path, handle: "h", resumeId: "no-such-thread" });
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).toBe("E_NOT_FOUND");
    expect((err as { data?: { reason?: string } }).data?.reason).toBe("load-failed");
    expect((err as Error).message).toContain("no rollout found for thread id no-such-thread");
  });

  test("config: the flat shape harness \"codex\" is a Codex; effort is Codex's reasoning effort, checked against its levels", () => {
    const cfg = validateConfig({ agents: { c: new Agent({ harness: "codex", model: "gpt-5.5", effort: "xhigh", permission: "read" }) } }, "/p/.aegis.ts", "/p");
    expect(cfg.agents.c?.provider).toBeInstanceOf(Codex);
    expect(cfg.agents.c).toMatchObject({ harness: "codex", model: "gpt-5.5", effort: "xhigh", permission: "read" });
    expect(new Codex({ model: "m" }).permission).toBe("write");
    expect(() => validateConfig({ agents: { c: { provider: new Codex({ model: "m", effort: "turbo" as never }) } } }, "/p/.aegis.ts", "/p"))
      .toThrow(/agents\.c\.provider\.effort[\s\S]*xhigh/);
  });
});
