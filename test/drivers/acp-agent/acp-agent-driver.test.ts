// The ACPAgent driver against fake-acp's generic flavor (an agent aegis knows nothing of): the agent's own mode chosen
// per permission level, permission requests answered by policy when no mode fits, the model picked from the session's
// list, HTTP MCP servers only for agents that take them, resume by session/load, and clear start errors.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import type { Permission, Provider } from "../../../src/config/providers.ts";
import { acpAgentDriver, acpAgentLaunch } from "../../../src/drivers/acp-agent/acp-agent-driver.ts";
import { ACPAgent } from "../../../src/drivers/acp-agent/provider.ts";
import type { DriverSession, StartOptions } from "../../../src/drivers/driver.ts";
import { tempDir } from "../../fixtures/helpers/temp-dir.ts";
import { within } from "../../fixtures/helpers/wait.ts";
import { runTurn, textOf } from "../conformance.ts";
import { FAKE_ACP } from "../acp/fake-acp.ts";

type Modes = "qwen" | "copilot" | "none";
const COPILOT = "https://agentclientprotocol.com/protocol/session-modes#";
const AEGIS_MCP = { type: "http" as const, name: "aegis", url: "http://127.0.0.1:9/mcp/secret", headers: { Authorization: "Bearer s3cret" } };

interface Ctx { dir: ReturnType<typeof tempDir>; log: () => Array<Record<string, any>> }

function agent(permission: Permission, o: { modes?: Modes; env?: Record<string, string>; model?: string; stateDir: string; logFile: string }): ACPAgent {
  return new ACPAgent({
    command: [FAKE_ACP, "--flavor", "generic"], permission, name: "Fake Agent",
    env: { FAKE_ACP_STATE_DIR: o.stateDir, FAKE_CLI_LOG: o.logFile, FAKE_ACP_MODES: o.modes ?? "qwen", ...o.env },
    ...(o.model ? { model: o.model } : {}),
  });
}

async function withAgent(
  o: { permission: Permission; modes?: Modes; env?: Record<string, string>; model?: string; start?: Partial<StartOptions>; dir?: ReturnType<typeof tempDir> },
  fn: (s: DriverSession, ctx: Ctx) => Promise<void>,
): Promise<void> {
  const dir = o.dir ?? tempDir("acp-agent");
  const provider = agent(o.permission, { ...o, stateDir: dir.join("state"), logFile: dir.join("turns.log") });
  const log = () => existsSync(dir.join("turns.log"))
    ? readFileSync(dir.join("turns.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>)
    : [];
  try {
    const session = await acpAgentDriver.start(provider as unknown as Provider, { cwd: dir.path, handle: "acp-agent-test", ...o.start });
    try {
      await fn(session, { dir, log });
    } finally {
      await within(session.close(), 10_000, "close");
    }
  } finally {
    if (!o.dir) dir.remove();
  }
}

describe("ACPAgent driver (#10)", () => {
  for (const [permission, mode] of [["read", "plan"], ["write", "auto-edit"], ["full", "yolo"], ["auto", "default"]] as const) {
    test(`permission ${permission} puts a Qwen-like agent in its ${mode} mode`, () =>
      withAgent({ permission }, async (s, { log }) => {
        await runTurn(s, "hello");
        expect(log().at(-1)?.mode).toBe(mode);
      }));
  }

  test("read: the plan mode refuses the write, and the file is not created", () =>
    withAgent({ permission: "read" }, async (s, { dir }) => {
      const { events } = await runTurn(s, "WRITE: blocked.txt nope");
      expect(existsSync(dir.join("blocked.txt"))).toBe(false);
      expect(events.find((e) => e.type === "tool_result")).toMatchObject({ ok: false });
    }));

  test("write on a Copilot-like agent (no fitting mode): it stays in #agent and aegis answers each request by policy", () =>
    withAgent({ permission: "write", modes: "copilot" }, async (s, { dir, log }) => {
      await runTurn(s, "WRITE: allowed.txt yes");
      expect(readFileSync(dir.join("allowed.txt"), "utf8")).toContain("yes");
      const shell = await runTurn(s, "RUN: touch shell-made");
      expect(existsSync(dir.join("shell-made"))).toBe(false);
      expect(shell.events.find((e) => e.type === "tool_result")).toMatchObject({ ok: false });
      expect(log().map((e) => e.mode)).toEqual([`${COPILOT}agent`, `${COPILOT}agent`]);
      expect(log().map((e) => e.asks)).toEqual([[{ tool: "write", allowed: true }], [{ tool: "shell", allowed: false }]]);
    }));

  test("read on a Copilot-like agent picks #plan", () =>
    withAgent({ permission: "read", modes: "copilot" }, async (s, { log }) => {
      await runTurn(s, "hello");
      expect(log()[0]?.mode).toBe(`${COPILOT}plan`);
    }));

  test("an agent with no modes: read refuses a write and full allows a shell command, both by policy", async () => {
    await withAgent({ permission: "read", modes: "none" }, async (s, { dir, log }) => {
      await runTurn(s, "WRITE: blocked.txt nope");
      expect(existsSync(dir.join("blocked.txt"))).toBe(false);
      expect(log()[0]?.asks).toEqual([{ tool: "write", allowed: false }]);
    });
    await withAgent({ permission: "full", modes: "none" }, async (s, { log }) => {
      const { events } = await runTurn(s, "RUN: echo policy-ok");
      expect(events.find((e) => e.type === "tool_result")).toMatchObject({ ok: true });
      expect(textOf(events)).toContain("policy-ok");
      expect(log()[0]?.asks).toEqual([{ tool: "shell", allowed: true }]);
    });
  });

  test("the model is picked from the session's list and named in init; without one, the agent's own is named", async () => {
    await withAgent({ permission: "full", model: "mock-large" }, async (s) => {
      const { events } = await runTurn(s, "hello");
      expect(events[0]).toMatchObject({ type: "init", model: "mock-large" });
    });
    await withAgent({ permission: "full" }, async (s) => {
      const { events } = await runTurn(s, "hello");
      expect(events[0]).toMatchObject({ type: "init", model: "mock-model" });
    });
  });

  test("a model the agent does not list fails the start with E_CONFIG naming the ones it does", async () => {
    const err = await withAgent({ permission: "full", model: "gpt-9" }, async () => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_CONFIG" });
    expect((err as Error).message).toContain('"gpt-9"');
    expect((err as Error).message).toContain("mock-model, mock-large");
  });

  test("aegis's HTTP MCP server reaches an agent that takes HTTP, and is left out (with a warning) for one that does not", async () => {
    await withAgent({ permission: "full", start: { mcpServers: [AEGIS_MCP] } }, async (s) => {
      const { events } = await runTurn(s, 'TOOL: aegis_whoami {"x":1}');
      expect(textOf(events)).toContain("MCP aegis/whoami");
    });
    await withAgent({ permission: "full", env: { FAKE_ACP_MCP_HTTP: "0" }, start: { mcpServers: [AEGIS_MCP] } }, async (s) => {
      const { events } = await runTurn(s, 'TOOL: aegis_whoami {"x":1}');
      expect(textOf(events)).toContain("TOOL UNAVAILABLE");
    });
  });

  test("resume from a new process by session/load; an agent without session/load refuses with E_STATE load-unsupported", async () => {
    using dir = tempDir("acp-agent-resume");
    let id: string | undefined;
    await withAgent({ permission: "full", dir }, async (s) => {
      await runTurn(s, "MEMO: kumquat");
      id = s.providerSessionId;
    });
    await withAgent({ permission: "read", dir, start: { resumeId: id } }, async (s, { log }) => {
      const { events } = await runTurn(s, "RECALL");
      expect(textOf(events)).toContain("kumquat");
      expect(s.providerSessionId).toBe(id);
      // The mode is chosen again for the resumed session's permission.
      expect(log().at(-1)?.mode).toBe("plan");
    });
    const err = await withAgent({ permission: "full", dir, env: { FAKE_ACP_NO_LOAD: "1" }, start: { resumeId: id } }, async () => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_STATE", data: { reason: "load-unsupported" } });
  });

  test("an agent refusing the mode it advertised fails the start with E_PROTOCOL naming the mode", async () => {
    const err = await withAgent({ permission: "read", env: { FAKE_ACP_SET_MODE_FAILS: "1" } }, async () => {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_PROTOCOL", data: { mode: "plan", permission: "read" } });
    expect((err as Error).message).toContain('Fake Agent refused its own mode "plan"');
  });

  test("a command whose executable is missing fails with E_AGENT_MISSING naming the agent and command[0]", () => {
    using dir = tempDir("acp-agent-missing");
    const provider = new ACPAgent({ command: ["no-such-acp-agent-xyz", "--acp"], permission: "read", name: "Xyz" });
    let err: unknown;
    try {
      acpAgentLaunch(provider, { cwd: dir.path, handle: "h" });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "E_AGENT_MISSING" });
    expect((err as Error).message).toContain("Xyz not found");
    expect((err as { hint?: string }).hint).toContain("command[0]");
  });

  test("the launch runs the command as given, labelled by name or by the executable's file name", () => {
    using dir = tempDir("acp-agent-launch");
    const launch = acpAgentLaunch(new ACPAgent({ command: [FAKE_ACP, "--flavor", "generic"], permission: "write" }), { cwd: dir.path, handle: "h" });
    expect(launch.cmd).toEqual([FAKE_ACP, "--flavor", "generic"]);
    expect(launch.label).toBe("fake-acp");
  });
});
