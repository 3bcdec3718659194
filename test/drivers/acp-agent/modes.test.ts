// The mode a generic ACP agent is put in per permission level, over the mode lists real agents advertise
// (reference/acp-agents.md): matched by id tail or name, permissive modes left for lower levels, no fit → undefined.

import { describe, expect, test } from "bun:test";
import { setUpSession } from "../../../src/drivers/acp-agent/acp-agent-driver.ts";
import type { AcpClient } from "../../../src/drivers/acp/acp-client.ts";
import { chooseMode, modeWord } from "../../../src/drivers/acp-agent/modes.ts";

const modes = (...ids: string[]) => ids.map((id) => ({ id, name: id }));
const COPILOT = ["agent", "plan", "autopilot"].map((m) => ({ id: `https://agentclientprotocol.com/protocol/session-modes#${m}`, name: m[0]!.toUpperCase() + m.slice(1) }));
const QWEN = modes("plan", "default", "auto-edit", "auto", "yolo");
const CLAUDE_ACP = modes("default", "acceptEdits", "plan", "dontAsk", "bypassPermissions");
const CODEX_ACP = modes("read-only", "auto", "full-access");

describe("ACPAgent modes (#10)", () => {
  test("modeWord reduces URL ids and names to one comparable word", () => {
    expect(modeWord("https://agentclientprotocol.com/protocol/session-modes#plan")).toBe("plan");
    expect(modeWord("Auto Edit")).toBe("autoedit");
    expect(modeWord("bypassPermissions")).toBe("bypasspermissions");
  });

  test("Qwen Code: read → plan, write → auto-edit, full → yolo, auto → default (not its LLM-classifier auto)", () => {
    expect(chooseMode("read", QWEN, "auto")?.id).toBe("plan");
    expect(chooseMode("write", QWEN, "auto")?.id).toBe("auto-edit");
    expect(chooseMode("full", QWEN, "auto")?.id).toBe("yolo");
    expect(chooseMode("auto", QWEN, "auto")?.id).toBe("default");
  });

  test("GitHub Copilot CLI: read → #plan; write and full fit no mode (autopilot is not a permission mode)", () => {
    expect(chooseMode("read", COPILOT, COPILOT[0]!.id)?.id).toEndWith("#plan");
    expect(chooseMode("write", COPILOT, COPILOT[0]!.id)).toBeUndefined();
    expect(chooseMode("full", COPILOT, COPILOT[0]!.id)).toBeUndefined();
    expect(chooseMode("auto", COPILOT, COPILOT[0]!.id)?.id).toEndWith("#agent");
  });

  test("claude-code-acp and codex-acp: dontAsk is never taken for full; read-only and full-access match", () => {
    expect(chooseMode("full", CLAUDE_ACP, "default")?.id).toBe("bypassPermissions");
    expect(chooseMode("write", CLAUDE_ACP, "default")?.id).toBe("acceptEdits");
    expect(chooseMode("read", CODEX_ACP, "auto")?.id).toBe("read-only");
    expect(chooseMode("full", CODEX_ACP, "auto")?.id).toBe("full-access");
    expect(chooseMode("write", CODEX_ACP, "auto")).toBeUndefined();
  });

  test("an agent starting in a permissive mode with no fitting one is moved to its default for lower levels", () => {
    const m = modes("yolo", "default");
    expect(chooseMode("write", m, "yolo")?.id).toBe("default");
    expect(chooseMode("full", m, "yolo")?.id).toBe("yolo");
    expect(chooseMode("write", modes("yolo", "custom"), "yolo")).toBeUndefined();
  });

  test("no modes, or none that fit: undefined", () => {
    expect(chooseMode("read", [], "x")).toBeUndefined();
    expect(chooseMode("read", modes("architect", "coder"), "coder")).toBeUndefined();
  });

  test("an agent stuck in a permissive mode with nothing fitting a lower level is warned about, not silently accepted", async () => {
    const calls: string[] = [];
    const client = { setMode: async (_s: string, id: string) => void calls.push(id) } as unknown as AcpClient;
    const warnings: string[] = [];
    const ctx = { client, sessionId: "s1", result: { modes: { availableModes: modes("yolo", "custom"), currentModeId: "yolo" } }, diag: () => {} };
    await setUpSession("write", undefined, "Stuck Agent", ctx, (m) => warnings.push(m));
    expect(calls).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Stuck Agent runs in its mode "yolo"');
    await setUpSession("full", undefined, "Stuck Agent", ctx, (m) => warnings.push(m));
    expect(warnings).toHaveLength(1);
  });
});
