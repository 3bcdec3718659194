import { expect, test } from "bun:test";
import { Agent, ClaudeCode, Scripted } from "../../src/config/providers.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { ConfigError } from "../../src/util/errors.ts";

test("isolation and keep are profile keys in every agent shape (#11)", () => {
  const cfg = validateConfig({
    agents: {
      flat: { harness: "claude-code", model: "opus", isolation: "worktree", keep: "always" },
      obj: { provider: new ClaudeCode({ model: "opus" }), isolation: "worktree" },
      cls: new Agent({ provider: new Scripted({ reply: () => "ok" }), isolation: "none", keep: "never" }),
      plain: { harness: "claude-code", model: "opus" },
    },
  }, "/p/.aegis.ts", "/p");
  expect([cfg.agents.flat!.isolation, cfg.agents.flat!.keep]).toEqual(["worktree", "always"]);
  expect([cfg.agents.obj!.isolation, cfg.agents.obj!.keep]).toEqual(["worktree", undefined]);
  expect([cfg.agents.cls!.isolation, cfg.agents.cls!.keep]).toEqual(["none", "never"]);
  expect([cfg.agents.plain!.isolation, cfg.agents.plain!.keep]).toEqual([undefined, undefined]);
  // Not passed on to the provider as an option.
  expect(Object.keys(cfg.agents.flat!.provider)).not.toContain("isolation");
});

test("a wrong isolation value names the key and the allowed values (#11)", () => {
  let err: unknown;
  try {
    validateConfig({ agents: { a: { harness: "claude-code", isolation: "container" } } }, "/p/.aegis.ts", "/p");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const issue = (err as ConfigError).issues.find((i) => i.path === "agents.a.isolation");
  expect(issue?.message).toContain("worktree");
  expect(issue?.message).toContain("none");
});
