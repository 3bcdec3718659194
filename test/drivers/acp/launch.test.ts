// How each ACP driver starts its CLI: Gemini's approval modes and read-only policy file, OpenCode's merged
// OPENCODE_CONFIG_CONTENT, and the missing-CLI error with its install hint.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { GeminiCLI, OpenCode, type Permission } from "../../../src/config/providers.ts";
import { GEMINI_INSTALL, geminiLaunch, READ_DENIED_TOOLS, readOnlyPolicyToml } from "../../../src/drivers/acp/gemini-driver.ts";
import { removeTempDir } from "../../../src/drivers/acp/launch.ts";
import { OPENCODE_INSTALL, openCodeLaunch } from "../../../src/drivers/acp/opencode-driver.ts";
import { startAgent } from "../../../src/drivers/registry.ts";
import { tempDir } from "../../fixtures/helpers/temp-dir.ts";
import { waitForPidsGone } from "../../fixtures/helpers/wait.ts";
import { parsePolicy } from "../../fixtures/bin/fake-acp-lib/gemini.ts";
import { resolveAction } from "../../fixtures/bin/fake-acp-lib/opencode.ts";
import { FAKE_ACP } from "./fake-acp.ts";

const LEVELS: Permission[] = ["read", "write", "full", "auto"];
const start = { cwd: "/tmp", handle: "launch-test" };

describe("Gemini launch", () => {
  test("permission maps to --approval-mode; the model is passed as given; one process, signals honoured", () => {
    const modes = LEVELS.map((permission) => {
      const launch = geminiLaunch(new GeminiCLI({ model: "gemini-3-flash-preview", permission, bin: FAKE_ACP }), start);
      removeTempDir(launch.tempDir);
      expect(launch.cmd.slice(1, 4)).toEqual(["--acp", "--model", "gemini-3-flash-preview"]);
      expect(launch.env.GEMINI_CLI_NO_RELAUNCH).toBe("true");
      expect(launch.inheritEnv).toBe("all");
      return launch.cmd[launch.cmd.indexOf("--approval-mode") + 1];
    });
    expect(modes).toEqual(["plan", "auto_edit", "yolo", "default"]);
  });

  test("the user cannot turn the relaunch back on (two pids, one of which ignores SIGTERM)", () => {
    const launch = geminiLaunch(new GeminiCLI({ model: "m", bin: FAKE_ACP, env: { GEMINI_CLI_NO_RELAUNCH: "false", GEMINI_API_KEY: "k" } }), start);
    expect(launch.env).toMatchObject({ GEMINI_CLI_NO_RELAUNCH: "true", GEMINI_API_KEY: "k" });
  });

  test("read gets a private --policy file that denies shell, write, replace and exit_plan_mode", () => {
    const launch = geminiLaunch(new GeminiCLI({ model: "m", permission: "read", bin: FAKE_ACP }), start);
    try {
      const policy = launch.cmd[launch.cmd.indexOf("--policy") + 1] as string;
      expect(policy.startsWith(launch.tempDir as string)).toBe(true);
      expect(policy.endsWith(".toml")).toBe(true); // gemini ignores a --policy file with another extension
      expect([...parsePolicy(readFileSync(policy, "utf8"))].sort()).toEqual([...READ_DENIED_TOOLS].sort());
    } finally {
      removeTempDir(launch.tempDir);
    }
    for (const permission of ["write", "full", "auto"] as const) {
      const other = geminiLaunch(new GeminiCLI({ model: "m", permission, bin: FAKE_ACP }), start);
      expect(other.cmd).not.toContain("--policy");
      expect(other.tempDir).toBeUndefined();
    }
  });

  test("the policy is valid TOML with the fields gemini's schema requires (priority 0–999, the user tier's top)", () => {
    const parsed = Bun.TOML.parse(readOnlyPolicyToml()) as { rule: Array<Record<string, unknown>> };
    expect(parsed.rule).toHaveLength(1);
    expect(parsed.rule[0]).toMatchObject({ toolName: [...READ_DENIED_TOOLS], decision: "deny", priority: 999 });
  });

  test("the policy file is removed when the session closes", async () => {
    using dir = tempDir("gemini-policy");
    const session = await startAgent(new GeminiCLI({ model: "m", permission: "read", bin: FAKE_ACP, env: { FAKE_ACP_STATE_DIR: dir.join("s") } }), { cwd: dir.path, handle: "p" });
    const argv = readFileSync(`/proc/${session.pid}/cmdline`, "utf8").split("\0");
    const policy = argv[argv.indexOf("--policy") + 1] as string;
    expect(existsSync(policy)).toBe(true);
    await session.close();
    expect(existsSync(policy)).toBe(false);
    await waitForPidsGone([session.pid as number]);
  });

  test("a missing CLI is E_AGENT_MISSING with the install command", () => {
    expect(() => geminiLaunch(new GeminiCLI({ model: "m", bin: "aegis-no-such-gemini" }), start)).toThrow(
      expect.objectContaining({ code: "E_AGENT_MISSING", hint: expect.stringContaining(GEMINI_INSTALL) }),
    );
    expect(() => geminiLaunch(new GeminiCLI({ model: "m", bin: "/nonexistent/gemini" }), start)).toThrow(
      expect.objectContaining({ code: "E_AGENT_MISSING", message: expect.stringContaining("/nonexistent/gemini") }),
    );
  });
});

describe("OpenCode launch", () => {
  const config = (o: OpenCode) => JSON.parse(openCodeLaunch(o, start).env.OPENCODE_CONFIG_CONTENT as string) as Record<string, any>;

  test("`opencode acp`, model and permission in OPENCODE_CONFIG_CONTENT, the whole environment inherited", () => {
    const launch = openCodeLaunch(new OpenCode({ model: "opencode/gpt-5", permission: "full", bin: FAKE_ACP }), start);
    expect(launch.cmd.slice(1)).toEqual(["acp"]);
    expect(launch.inheritEnv).toBe("all");
    expect(config(new OpenCode({ model: "opencode/gpt-5", permission: "full", bin: FAKE_ACP }))).toEqual({ model: "opencode/gpt-5", permission: { "*": "allow" } });
  });

  test("the user's OPENCODE_CONFIG_CONTENT is kept, except model and permission, which aegis sets", () => {
    const user = { provider: { mock: { npm: "@ai-sdk/openai-compatible" } }, model: "other/model", permission: { "*": "allow" }, share: "disabled" };
    const c = config(new OpenCode({ model: "mock/mock-model", permission: "read", bin: FAKE_ACP, env: { OPENCODE_CONFIG_CONTENT: JSON.stringify(user) } }));
    expect(c).toMatchObject({ provider: user.provider, share: "disabled", model: "mock/mock-model" });
    expect(c.permission["*"]).toBe("deny");
  });

  test("each level's rules give the intended verdicts under OpenCode's last-match-wins lookup", () => {
    const verdicts = (permission: Permission) => {
      const rules = config(new OpenCode({ model: "m", permission, bin: FAKE_ACP })).permission;
      return Object.fromEntries(["read", "grep", "edit", "bash", "webfetch", "aegis_handoff", "echo_echo"].map((k) => [k, resolveAction(rules, k)]));
    };
    expect(verdicts("read")).toEqual({ read: "allow", grep: "allow", edit: "deny", bash: "deny", webfetch: "deny", aegis_handoff: "allow", echo_echo: "deny" });
    expect(verdicts("write")).toMatchObject({ read: "allow", edit: "allow", bash: "deny", aegis_handoff: "allow" });
    expect(verdicts("full")).toMatchObject({ edit: "allow", bash: "allow", echo_echo: "allow" });
    expect(verdicts("auto")).toMatchObject({ read: "allow", edit: "ask", bash: "ask", aegis_handoff: "allow" });
  });

  test("the host's OPENCODE_CONFIG_CONTENT is the user's only when the provider inherits it (#9)", () => {
    process.env.OPENCODE_CONFIG_CONTENT = JSON.stringify({ share: "disabled" });
    try {
      expect(config(new OpenCode({ model: "m", bin: FAKE_ACP }))).toMatchObject({ share: "disabled", model: "m" });
      expect(config(new OpenCode({ model: "m", bin: FAKE_ACP, inheritEnv: ["OPENCODE_*"] })).share).toBe("disabled");
      expect(config(new OpenCode({ model: "m", bin: FAKE_ACP, inheritEnv: ["PATH", "HOME"] })).share).toBeUndefined();
    } finally {
      delete process.env.OPENCODE_CONFIG_CONTENT;
    }
  });

  test("invalid user config content is a config error, not a crash of the CLI", () => {
    expect(() => openCodeLaunch(new OpenCode({ model: "m", bin: FAKE_ACP, env: { OPENCODE_CONFIG_CONTENT: "{nope" } }), start)).toThrow(
      expect.objectContaining({ code: "E_CONFIG" }),
    );
  });

  test("a missing CLI is E_AGENT_MISSING with the install command", () => {
    expect(() => openCodeLaunch(new OpenCode({ model: "m", bin: "aegis-no-such-opencode" }), start)).toThrow(
      expect.objectContaining({ code: "E_AGENT_MISSING", hint: expect.stringContaining(OPENCODE_INSTALL) }),
    );
  });
});
