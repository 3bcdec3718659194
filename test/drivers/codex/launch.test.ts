// What a Codex thread is started with (#10): sandbox and approval policy per permission level, MCP servers with
// aegis's pre-approved, the primer as developer instructions, effort, and project trust told to the thread (never
// written to the user's config) unless the user's config.toml already decides it.

import { describe, expect, test } from "bun:test";
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Codex } from "../../../src/config/providers.ts";
import type { McpServerSpec } from "../../../src/drivers/driver.ts";
import { codexHomeOf, codexLaunch, mcpServersConfig, threadParams, trustDecided } from "../../../src/drivers/codex/launch.ts";
import { errorCode } from "../../../src/util/errors.ts";
import { tempDir } from "../../fixtures/helpers/temp-dir.ts";
import { FAKE_CODEX } from "../../fixtures/fake-providers.ts";

const plane: McpServerSpec = { type: "http", name: "aegis", url: "http://127.0.0.1:9/mcp", headers: { Authorization: "Bearer s3cret" } };
const echo: McpServerSpec = { type: "stdio", name: "echo", command: "bun", args: ["echo.ts"], env: { A: "1" } };

describe("Codex thread parameters (#10)", () => {
  test("each permission level is Codex's own sandbox and approval policy", () => {
    using dir = tempDir("codex-launch");
    const levels = (["read", "write", "full", "auto"] as const).map((permission) => {
      const p = threadParams(new Codex({ model: "gpt-5.5", permission }), { cwd: dir.path, handle: "h" }, dir.join("home"), { resume: false });
      return [permission, p.sandbox, p.approvalPolicy];
    });
    expect(levels).toEqual([
      ["read", "read-only", "never"],
      ["write", "workspace-write", "never"],
      ["full", "danger-full-access", "never"],
      ["auto", "workspace-write", "untrusted"],
    ]);
  });

  test("aegis's MCP plane is pre-approved with its bearer header at every level; other servers only at full", () => {
    expect(mcpServersConfig([plane, echo], "read")).toEqual({
      aegis: { url: plane.url, http_headers: { Authorization: "Bearer s3cret" }, default_tools_approval_mode: "approve" },
      echo: { command: "bun", args: ["echo.ts"], env: { A: "1" }, default_tools_approval_mode: "prompt" },
    });
    expect(mcpServersConfig([echo], "full")).toMatchObject({ echo: { default_tools_approval_mode: "approve" } });
  });

  test("the primer is the new thread's developer instructions (a resumed thread has its own); effort and model per thread", () => {
    using dir = tempDir("codex-launch");
    const provider = new Codex({ model: "gpt-5.5", effort: "xhigh" });
    const opts = { cwd: dir.path, handle: "h", systemPrompt: "You are alpha.", mcpServers: [plane] };
    const start = threadParams(provider, opts, dir.join("home"), { resume: false });
    expect(start).toMatchObject({ cwd: dir.path, model: "gpt-5.5", developerInstructions: "You are alpha.", experimentalRawEvents: true });
    expect(start.config).toMatchObject({ model_reasoning_effort: "xhigh", mcp_servers: { aegis: { url: plane.url } } });
    const resume = threadParams(provider, opts, dir.join("home"), { resume: true });
    expect(resume.developerInstructions).toBeUndefined();
    expect(resume.excludeTurns).toBe(true);
    expect(resume.experimentalRawEvents).toBeUndefined();
  });

  test("a writable thread is told its project's trust when the user's config has no say; a read-only one never", () => {
    using dir = tempDir("codex-launch");
    const cwd = dir.join("repo", "sub");
    mkdirSync(cwd, { recursive: true });
    const write = threadParams(new Codex({ model: "m", permission: "write" }), { cwd, handle: "h" }, dir.join("no-home"), { resume: false });
    expect(write.config).toMatchObject({ projects: { [cwd]: { trust_level: "trusted" } } });
    const read = threadParams(new Codex({ model: "m", permission: "read" }), { cwd, handle: "h" }, dir.join("no-home"), { resume: false });
    expect((read.config as Record<string, unknown>).projects).toBeUndefined();
  });

  test("the user's own trust entry for the folder or one above it is left to decide (#10)", () => {
    using dir = tempDir("codex-launch");
    const home = dir.join("home");
    mkdirSync(home);
    const cwd = dir.join("repo", "sub");
    expect(trustDecided(home, cwd)).toBe(false);
    writeFileSync(join(home, "config.toml"), `model = "x"\n[projects."${dir.join("repo")}"]\ntrust_level = "untrusted"\n`);
    expect(trustDecided(home, cwd)).toBe(true);
    const p = threadParams(new Codex({ model: "m", permission: "write" }), { cwd, handle: "h" }, home, { resume: false });
    expect((p.config as Record<string, unknown>).projects).toBeUndefined();
    writeFileSync(join(home, "config.toml"), "this is = = not toml");
    expect(trustDecided(home, cwd)).toBe(false);
  });

  test("a folder reached through a symlink is trusted, and looked up, under both its paths", () => {
    using dir = tempDir("codex-launch");
    mkdirSync(dir.join("real"));
    symlinkSync(dir.join("real"), dir.join("link"));
    const p = threadParams(new Codex({ model: "m", permission: "full" }), { cwd: dir.join("link"), handle: "h" }, dir.join("no-home"), { resume: false });
    expect(Object.keys((p.config as { projects: object }).projects).sort()).toEqual([dir.join("link"), realpathSync(dir.join("real"))].sort());
    mkdirSync(dir.join("home"));
    writeFileSync(dir.join("home", "config.toml"), `[projects."${realpathSync(dir.join("real"))}"]\ntrust_level = "trusted"\n`);
    expect(trustDecided(dir.join("home"), dir.join("link"))).toBe(true);
  });

  test("CODEX_HOME comes from the provider's env, else the inherited one, else ~/.codex of the env's HOME", () => {
    const launch = (env: Record<string, string>, inheritEnv: "all" | string[] = []) => codexLaunch(new Codex({ model: "m", bin: FAKE_CODEX, env, inheritEnv }), { cwd: "/", handle: "h" });
    expect(codexHomeOf(launch({ CODEX_HOME: "/c" }))).toBe("/c");
    expect(codexHomeOf(launch({ HOME: "/u" }))).toBe("/u/.codex");
  });

  test("the command is `<bin> app-server`; a missing binary is E_AGENT_MISSING with the install command", () => {
    expect(codexLaunch(new Codex({ model: "m", bin: FAKE_CODEX }), { cwd: "/", handle: "h" }).cmd).toEqual([FAKE_CODEX, "app-server"]);
    let err: unknown;
    try {
      codexLaunch(new Codex({ model: "m", env: { PATH: "/nonexistent" } }), { cwd: "/", handle: "h" });
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).toBe("E_AGENT_MISSING");
    expect((err as { hint?: string }).hint).toContain("npm i -g @openai/codex");
  });
});
