import { describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { ClaudeCode, type Permission } from "../../../src/config/providers.ts";
import { buildClaudeCommand, mcpConfigJson, resolveClaudeBin } from "../../../src/drivers/claude/claude-command.ts";
import { tempDir } from "../../fixtures/helpers/temp-dir.ts";

const base = { cwd: "/w", handle: "h" };
const argv = (permission: Permission, extra: Partial<Parameters<typeof buildClaudeCommand>[2]> = {}) =>
  buildClaudeCommand("/bin/claude", new ClaudeCode({ model: "opus", effort: "max", permission }), { ...base, ...extra }).cmd;
const after = (cmd: string[], flag: string) => cmd[cmd.indexOf(flag) + 1];

describe("buildClaudeCommand", () => {
  test("stream-json in and out, verbose, model and effort", () => {
    const cmd = argv("write");
    expect(cmd.slice(0, 7)).toEqual(["/bin/claude", "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose"]);
    expect(after(cmd, "--model")).toBe("opus");
    expect(after(cmd, "--effort")).toBe("max");
  });

  test("permission levels map to permission modes; only auto gets the stdio prompt tool", () => {
    expect(after(argv("read"), "--permission-mode")).toBe("plan");
    expect(after(argv("write"), "--permission-mode")).toBe("acceptEdits");
    expect(after(argv("full"), "--permission-mode")).toBe("bypassPermissions");
    expect(after(argv("auto"), "--permission-mode")).toBe("default");
    expect(after(argv("auto"), "--permission-prompt-tool")).toBe("stdio");
    for (const p of ["read", "write", "full"] as const) expect(argv(p)).not.toContain("--permission-prompt-tool");
  });

  test("MCP servers go to --mcp-config with --strict-mcp-config, even when there are none", () => {
    const none = argv("read");
    expect(JSON.parse(after(none, "--mcp-config") as string)).toEqual({ mcpServers: {} });
    expect(none).toContain("--strict-mcp-config");
    expect(none).not.toContain("--allowedTools");
  });

  test("the aegis MCP server's tools are pre-approved, so read and write agents can call them", () => {
    const cmd = argv("read", { mcpServers: [{ type: "http", name: "aegis", url: "http://127.0.0.1:9/mcp", headers: { Authorization: "Bearer s" } }] });
    expect(after(cmd, "--allowedTools")).toBe("mcp__aegis");
  });

  test("system prompt and resume", () => {
    const cmd = argv("full", { systemPrompt: "You are brisk-curie.", resumeId: "sess-1" });
    expect(after(cmd, "--append-system-prompt")).toBe("You are brisk-curie.");
    expect(after(cmd, "--resume")).toBe("sess-1");
  });

  test("env: provider env, then start env on top; the provider's inheritEnv mode, all by default (#9)", () => {
    const provider = new ClaudeCode({ model: "m", env: { A: "provider", B: "provider" } });
    const c = buildClaudeCommand("/bin/claude", provider, { ...base, env: { B: "start" } });
    expect(c.env).toEqual({ A: "provider", B: "start" });
    expect(c.inheritEnv).toBe("all");
    const hardened = new ClaudeCode({ model: "m", inheritEnv: ["PATH", "HOME", "ANTHROPIC_*"] });
    expect(buildClaudeCommand("/bin/claude", hardened, base).inheritEnv).toEqual(["PATH", "HOME", "ANTHROPIC_*"]);
  });
});

describe("mcpConfigJson", () => {
  test("http servers with headers, stdio servers with command", () => {
    expect(JSON.parse(mcpConfigJson([
      { type: "http", name: "aegis", url: "http://127.0.0.1:1/mcp/s", headers: { Authorization: "Bearer s" } },
      { type: "stdio", name: "echo", command: "bun", args: ["echo.ts"], env: { X: "1" } },
    ]))).toEqual({
      mcpServers: {
        aegis: { type: "http", url: "http://127.0.0.1:1/mcp/s", headers: { Authorization: "Bearer s" } },
        echo: { type: "stdio", command: "bun", args: ["echo.ts"], env: { X: "1" } },
      },
    });
  });
});

describe("resolveClaudeBin", () => {
  test("a missing binary is E_AGENT_MISSING with the install command", () => {
    for (const bin of ["/nonexistent/claude", "claude-not-installed-anywhere"]) {
      let err: unknown;
      try {
        resolveClaudeBin(new ClaudeCode({ model: "m", bin }), "/nonexistent-dir");
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: "E_AGENT_MISSING" });
      expect((err as { hint: string }).hint).toContain("npm i -g @anthropic-ai/claude-code");
    }
  });

  test("finds `claude` on the given PATH", () => {
    using dir = tempDir();
    writeFileSync(dir.join("claude"), "#!/bin/sh\n");
    chmodSync(dir.join("claude"), 0o755);
    expect(resolveClaudeBin(new ClaudeCode({ model: "m" }), dir.path)).toBe(dir.join("claude"));
  });
});
