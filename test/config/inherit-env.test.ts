// inheritEnv on every CLI provider and the flat agent shape: which of aegis's variables the CLI inherits (#9).
import { describe, expect, test } from "bun:test";
import { Agent, ClaudeCode, GeminiCLI, OpenCode } from "../../src/config/providers.ts";
import { configJsonSchema } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { ConfigError } from "../../src/util/errors.ts";

const FILE = "/proj/.aegis.ts";

function issuesOf(raw: unknown): Array<{ path: string; message: string }> {
  try {
    validateConfig(raw, FILE, "/proj");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

describe("inheritEnv in the config (#9)", () => {
  test("defaults to all on every CLI provider, in both agent shapes", () => {
    const cfg = validateConfig({
      agents: {
        c: { provider: new ClaudeCode({ model: "opus" }) },
        g: { provider: { name: "gemini", model: "gemini-2.5-flash" } },
        o: new Agent({ harness: "opencode", model: "opencode/gpt-5" }),
      },
    }, FILE, "/proj");
    for (const name of ["c", "g", "o"]) expect((cfg.agents[name]!.provider as { inheritEnv: unknown }).inheritEnv).toBe("all");
  });

  test("a list is kept as given, on provider objects, plain objects and the flat shape", () => {
    const list = ["PATH", "HOME", "ANTHROPIC_*"];
    const cfg = validateConfig({
      agents: {
        c: { provider: new ClaudeCode({ model: "opus", inheritEnv: list }) },
        g: { provider: { name: "gemini", model: "m", inheritEnv: ["GEMINI_?"] } },
        o: { provider: new OpenCode({ model: "m", inheritEnv: [] }) },
        f: { harness: "claude-code", model: "opus", inheritEnv: list },
        x: new Agent({ harness: "gemini", model: "m", inheritEnv: "all" }),
      },
    }, FILE, "/proj");
    expect((cfg.agents.c!.provider as ClaudeCode).inheritEnv).toEqual(list);
    expect((cfg.agents.g!.provider as GeminiCLI).inheritEnv).toEqual(["GEMINI_?"]);
    expect((cfg.agents.o!.provider as OpenCode).inheritEnv).toEqual([]);
    expect((cfg.agents.f!.provider as ClaudeCode).inheritEnv).toEqual(list);
    expect((cfg.agents.x!.provider as GeminiCLI).inheritEnv).toBe("all");
  });

  test("a wrong mode names the key path and the allowed values", () => {
    for (const bad of ["none", true, { PATH: true }, "ALL"]) {
      const issues = issuesOf({ agents: { a: { provider: new ClaudeCode({ model: "opus", inheritEnv: bad as never }) } } });
      expect(issues).toHaveLength(1);
      expect(issues[0]!.path).toBe("agents.a.provider.inheritEnv");
      expect(issues[0]!.message).toContain('inheritEnv must be "all" or a list of variable names and globs, e.g. ["PATH", "HOME", "ANTHROPIC_*"]');
      expect(issues[0]!.message).toContain("got ");
    }
  });

  test("a bad list entry is reported at its index, with what an entry may hold", () => {
    const issues = issuesOf({ agents: { f: { harness: "opencode", model: "m", inheritEnv: ["PATH", "", "A=B", "$HOME"] } } });
    expect(issues.map((i) => i.path)).toEqual(["agents.f.inheritEnv.1", "agents.f.inheritEnv.2", "agents.f.inheritEnv.3"]);
    for (const i of issues) expect(i.message).toContain("each inheritEnv entry must be a variable name or glob");
    expect(issues[2]!.message).toContain('got "$HOME"');
  });

  test("a list holding a non-string is reported at inheritEnv with the allowed values", () => {
    const issues = issuesOf({ agents: { f: { harness: "opencode", model: "m", inheritEnv: ["PATH", 7] } } });
    expect(issues).toEqual([{ path: "agents.f.inheritEnv", message: expect.stringContaining('inheritEnv must be "all" or a list') }]);
  });

  test("a typo of the key suggests inheritEnv", () => {
    const issues = issuesOf({ agents: { a: { provider: new GeminiCLI({ model: "m", inheritEnvs: ["PATH"] } as never) } } });
    expect(issues[0]!.path).toBe("agents.a.provider.inheritEnvs");
    expect(issues[0]!.message).toContain('did you mean "inheritEnv"');
  });

  test("the JSON Schema for editors describes inheritEnv on each CLI provider and the flat shape", () => {
    const text = JSON.stringify(configJsonSchema());
    expect(text.match(/"inheritEnv":\{/g)?.length).toBeGreaterThanOrEqual(4);
    expect(text).toContain('"const":"all"');
  });
});
