// Configuring any ACP agent (#10): `new ACPAgent({ command, permission, name? })` and the flat `harness: "acp"` shape
// validate to the same provider; a bad command, a missing permission or a misspelt key is reported at its key path
// with what is allowed; `aegis config schema` describes it.

import { describe, expect, test } from "bun:test";
import { ACPAgent, Agent } from "../../src/config/providers.ts";
import { configJsonSchema } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { ConfigError } from "../../src/util/errors.ts";

const FILE = "/proj/.aegis.ts";

function issuesOf(raw: unknown): ConfigError["issues"] {
  try {
    validateConfig(raw, FILE, "/proj");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error("the config was accepted");
}

describe("ACPAgent config (#10)", () => {
  test("the class and the flat shape validate to the same provider; name is its label", () => {
    const cfg = validateConfig({
      agents: {
        a: new Agent({ provider: new ACPAgent({ command: ["qwen", "--acp"], permission: "write", name: "Qwen Code", env: { X: "1" } }) }),
        b: { harness: "acp", command: ["qwen", "--acp"], permission: "write", label: "Qwen Code", env: { X: "1" } },
        c: { provider: { name: "acp", command: ["qwen", "--acp"], permission: "write", label: "Qwen Code", env: { X: "1" } } },
      },
    }, FILE, "/proj");
    for (const k of ["a", "b", "c"]) {
      const p = cfg.agents[k]!.provider;
      expect(p).toBeInstanceOf(ACPAgent);
      expect(p).toMatchObject({ name: "acp", command: ["qwen", "--acp"], permission: "write", label: "Qwen Code", model: "", env: { X: "1" }, inheritEnv: "all" });
      expect(cfg.agents[k]!.harness).toBe("acp");
    }
  });

  test("command must be a non-empty list of non-empty strings, with an example in the message", () => {
    const bad = { a: [], b: "qwen --acp", c: ["qwen", ""], d: [42] };
    const issues = issuesOf({ agents: Object.fromEntries(Object.entries(bad).map(([k, command]) => [k, new Agent({ provider: new ACPAgent({ command: command as string[], permission: "read" }) })])) });
    for (const k of Object.keys(bad)) {
      const issue = issues.find((i) => i.path.startsWith(`agents.${k}.provider.command`));
      expect(issue, `no command issue for ${k}: ${JSON.stringify(issues)}`).toBeDefined();
      expect(issue!.message, JSON.stringify(issue)).toContain(`["qwen", "--acp"]`);
    }
  });

  test("permission is required, and a misspelt key is named with the right one", () => {
    const issues = issuesOf({
      agents: {
        a: { harness: "acp", command: ["qwen", "--acp"] },
        b: { harness: "acp", comand: ["qwen", "--acp"], permission: "read" },
      },
    });
    expect(issues.find((i) => i.path === "agents.a.permission")?.message).toMatch(/required|must be one of/);
    expect(issues.find((i) => i.path === "agents.b.comand")?.message).toContain('did you mean "command"');
  });

  test("aegis config schema describes the ACPAgent provider and the harness \"acp\" shape", () => {
    const text = JSON.stringify(configJsonSchema());
    expect(text).toContain('"acp"');
    expect(text).toContain("new ACPAgent({...})");
    expect(text).toContain("qwen");
  });
});
