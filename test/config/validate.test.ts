import { describe, expect, test } from "bun:test";
import { Agent, ClaudeCode, GeminiCLI, OpenCode, Scripted } from "../../src/config/providers.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { providerSpecs } from "../../src/drivers/providers.ts";
import { ConfigError } from "../../src/util/errors.ts";

const FILE = "/proj/.aegis.ts";

function expectIssue(raw: unknown, path: string, ...fragments: string[]): ConfigError {
  let caught: unknown;
  try {
    validateConfig(raw, FILE, "/proj");
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const err = caught as ConfigError;
  expect(err.file).toBe(FILE);
  expect(err.message).toContain(FILE);
  const issue = err.issues.find((i) => i.path === path);
  expect(issue, `no issue at ${path}; got ${JSON.stringify(err.issues)}`).toBeDefined();
  for (const f of fragments) expect(issue!.message).toContain(f);
  return err;
}

const summary = (a: Agent) => ({ harness: a.harness, model: a.model, permission: a.permission, effort: a.effort, prompt: a.prompt });

describe("agent shapes", () => {
  test("provider-object and flat shapes validate to the same agent", () => {
    const cfg = validateConfig({
      agents: {
        a: new Agent({ provider: new ClaudeCode({ model: "opus", effort: "high", permission: "auto" }) }),
        b: new Agent({ harness: "claude-code", model: "opus", effort: "high", permission: "auto" }),
        c: { provider: new ClaudeCode({ model: "opus" }) },
        d: { harness: "claude-code", model: "opus" },
      },
    }, FILE, "/proj");
    const a = summary(cfg.agents.a!);
    expect(a).toEqual({ harness: "claude-code", model: "opus", permission: "auto", effort: "high", prompt: undefined });
    for (const k of ["b", "c", "d"]) expect(summary(cfg.agents[k]!)).toEqual(a);
    expect(cfg.agents.b!.provider).toBeInstanceOf(ClaudeCode);
  });

  test("defaults follow the seed: Claude auto/high, Gemini and OpenCode full, no effort outside Claude", () => {
    const cfg = validateConfig({
      agents: {
        g: { provider: new GeminiCLI({ model: "gemini-2.5-flash" }) },
        gf: new Agent({ harness: "gemini", model: "gemini-2.5-flash" }),
        o: { provider: { name: "opencode", model: "opencode/gpt-5" } },
        c: { provider: { name: "claude-code", model: "sonnet" } },
      },
    }, FILE, "/proj");
    expect(summary(cfg.agents.g!)).toEqual({ harness: "gemini", model: "gemini-2.5-flash", permission: "full", effort: undefined, prompt: undefined });
    expect(summary(cfg.agents.gf!)).toEqual(summary(cfg.agents.g!));
    expect(cfg.agents.o!.provider).toBeInstanceOf(OpenCode);
    expect(cfg.agents.o!.permission).toBe("full");
    expect(cfg.agents.c!.effort).toBe("high");
    expect(cfg.agents.c!.permission).toBe("auto");
  });

  test("a single agent becomes the default; paths resolve against the root", () => {
    const cfg = validateConfig({
      agents: { only: { provider: new Scripted({ reply: (p) => p }) } },
      workflows: ["workflows/", "/abs/wf.ts"],
      stateDir: "state",
    }, FILE, "/proj");
    expect(cfg.defaultAgent).toBe("only");
    expect(cfg.workflows).toEqual(["/proj/workflows/", "/abs/wf.ts"]);
    expect(cfg.stateDir).toBe("/proj/state");
  });
});

describe("errors name the key path, what was found and what is allowed", () => {
  test("enum", () => {
    expectIssue({ agents: { reviewer: { provider: new ClaudeCode({ model: "opus", effort: "extreme" as never }) } } },
      "agents.reviewer.provider.effort", 'effort must be one of low, medium, high, max; got "extreme"');
  });
  test("permission on the flat shape", () => {
    expectIssue({ agents: { a: { harness: "gemini", model: "x", permission: "root" } } },
      "agents.a.permission", "read, write, full, auto", '"root"');
  });
  test("unknown harness: every provider of the table with a flat shape is listed (#10)", () => {
    const flat = providerSpecs().filter((p) => p.flat).map((p) => p.name);
    expectIssue({ agents: { a: { harness: "no-such-cli", model: "x" } } }, "agents.a.harness", flat.join(", "), '"no-such-cli"');
    expectIssue({ agents: { a: { harness: "scripted", model: "x" } } }, "agents.a.harness", '"scripted"');
  });
  test("unknown provider name: every provider of the table and its class are listed (#10)", () => {
    const err = expectIssue({ agents: { a: { provider: { name: "no-such-cli", model: "x" } } } }, "agents.a.provider.name", '"no-such-cli"');
    for (const p of providerSpecs()) {
      expect(err.message).toContain(`${p.name}`);
      expect(err.message).toContain(`new ${p.className}(`);
    }
  });
  test("a harness alias picks its provider (#10)", () => {
    const cfg = validateConfig({ agents: { a: { harness: "claude", model: "opus" } } }, FILE, "/proj");
    expect(cfg.agents.a!.provider).toBeInstanceOf(ClaudeCode);
  });
  test("unknown key with did-you-mean", () => {
    expectIssue({ agents: { a: { provider: new ClaudeCode({ model: "opus", efort: "high" } as never) } } },
      "agents.a.provider.efort", 'did you mean "effort"', "allowed:");
    expectIssue({ agents: { a: { provider: new Scripted({ reply: (p) => p }) } }, queus: {} }, "queus", 'did you mean "queues"');
  });
  test("effort only on Claude Code and Codex (#10)", () => {
    expectIssue({ agents: { a: new Agent({ harness: "opencode", model: "x", effort: "low" } as never) } }, "agents.a.effort", "claude-code", '"opencode"');
    expectIssue({ agents: { a: { provider: { name: "gemini", model: "x", effort: "low" } } } }, "agents.a.provider.effort", "an option of claude-code, codex only", "allowed: model");
  });
  test("cross references: defaultAgent and queue agents", () => {
    const agents = { writer: { provider: new Scripted({ reply: (p) => p }) } };
    expectIssue({ agents, defaultAgent: "writr" }, "defaultAgent", "writer", '"writr"', 'did you mean "writer"');
    expectIssue({ agents, queues: { review: { agent: "reviewer", maxParallel: 1 } } }, "queues.review.agent", "writer", '"reviewer"');
  });
  test("maxParallel and budgets", () => {
    const agents = { w: { provider: new Scripted({ reply: (p) => p }) } };
    expectIssue({ agents, queues: { q: { agent: "w", maxParallel: 0 } } }, "queues.q.maxParallel", ">= 1", "got 0");
    expectIssue({ agents, queues: { q: { agent: "w", maxParallel: 1, budgets: [{ usd: 5, window: "1 day" }] } } },
      "queues.q.budgets.0.window", "30m, 24h, 7d", '"1 day"');
  });
  test("all problems are reported together in one error", () => {
    const err = expectIssue({
      agents: { a: { provider: new ClaudeCode({ model: "", effort: "x" as never }) } },
      defaultAgent: "b",
    }, "agents.a.provider.model", "must not be empty");
    expect(err.issues.map((i) => i.path).sort()).toEqual(["agents.a.provider.effort", "agents.a.provider.model", "defaultAgent"]);
  });
  test("budgets resolve to windows in milliseconds", () => {
    const cfg = validateConfig({
      agents: { w: { provider: new Scripted({ reply: (p) => p }) } },
      queues: { q: { agent: "w", maxParallel: 3, budgets: [{ usd: 5, window: "24h" }, { outputTokens: 1000, window: "30m" }] } },
    }, FILE, "/proj");
    expect(cfg.queues.q!.budgets).toEqual([
      { kind: "usd", limit: 5, window: "24h", windowMs: 86_400_000 },
      { kind: "outputTokens", limit: 1000, window: "30m", windowMs: 1_800_000 },
    ]);
  });
});

describe("replay.maxTokens: the size of a conversation replayed into a fresh session (#9)", () => {
  const agents = { w: { provider: new Scripted({ reply: (p) => p }) } };
  test("defaults to 24000 estimated tokens; 0 (replay off) and other whole numbers are kept", () => {
    expect(validateConfig({ agents }, FILE, "/proj").replay).toEqual({ maxTokens: 24_000 });
    expect(validateConfig({ agents, replay: {} }, FILE, "/proj").replay).toEqual({ maxTokens: 24_000 });
    expect(validateConfig({ agents, replay: { maxTokens: 0 } }, FILE, "/proj").replay).toEqual({ maxTokens: 0 });
    expect(validateConfig({ agents, replay: { maxTokens: 8000 } }, FILE, "/proj").replay).toEqual({ maxTokens: 8000 });
  });
  test("a negative, fractional or non-numeric size is refused at replay.maxTokens", () => {
    expectIssue({ agents, replay: { maxTokens: -1 } }, "replay.maxTokens", ">= 0", "-1");
    expectIssue({ agents, replay: { maxTokens: 1.5 } }, "replay.maxTokens", "whole number", "1.5");
    expectIssue({ agents, replay: { maxTokens: "24k" } }, "replay.maxTokens", "number", '"24k"');
    expectIssue({ agents, replay: 24000 }, "replay", "object", "24000");
  });
  test("an unknown key under replay names the allowed one", () => {
    expectIssue({ agents, replay: { maxToken: 100 } }, "replay.maxToken", 'did you mean "maxTokens"', "allowed: maxTokens");
  });
});
