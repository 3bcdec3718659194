// Replays wire traffic recorded from the real Gemini CLI 0.61.0 and OpenCode 1.18.33
// (test/fixtures/transcripts/acp/, made by record-acp-transcripts.ts) through aegis's ACP schemas, update mapper and
// permission policy: every inbound message must validate, and each recorded turn must map to the events it showed.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentEvent } from "../../../src/drivers/driver.ts";
import { UpdateMapper } from "../../../src/drivers/acp/event-mapper.ts";
import { decidePermission, describePermissionRequest } from "../../../src/drivers/acp/permission-policy.ts";
import { InitializeResult, NewSessionResult, PromptResult, RequestPermissionParams, SessionUpdateParams } from "../../../src/drivers/acp/wire.ts";
import { textOf } from "../conformance.ts";

type Msg = Record<string, any>;
interface RecordedTurn { prompt: string; events: AgentEvent[]; result?: Msg; error?: Msg; permissions: Msg[] }

const DIR = join(import.meta.dir, "../../fixtures/transcripts/acp");

/** Splits a transcript into turns and maps each one's updates as a session would. */
function replay(file: string): { init: Msg; newSession: Msg; turns: RecordedTurn[]; mapper: UpdateMapper } {
  const wire = readFileSync(join(DIR, file), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { dir: "in" | "out"; msg: Msg });
  const mapper = new UpdateMapper();
  const byId = new Map<number, string>();
  const turns: RecordedTurn[] = [];
  let init: Msg = {};
  let newSession: Msg = {};
  for (const { dir, msg } of wire) {
    if (dir === "out") {
      if (msg.method) byId.set(msg.id, msg.method);
      if (msg.method === "session/prompt") {
        mapper.beginTurn();
        turns.push({ prompt: msg.params.prompt[0].text, events: [], permissions: [] });
      }
      continue;
    }
    const turn = turns.at(-1);
    if (msg.method === "session/update") {
      const params = SessionUpdateParams.parse(msg.params);
      if (turn) turn.events.push(...mapper.map(params.update));
    } else if (msg.method === "session/request_permission") {
      turn?.permissions.push(RequestPermissionParams.parse(msg.params));
    } else if (byId.get(msg.id) === "initialize") init = InitializeResult.parse(msg.result);
    else if (byId.get(msg.id) === "session/new") newSession = NewSessionResult.parse(msg.result);
    else if (byId.get(msg.id) === "session/prompt" && turn) {
      if (msg.error) turn.error = msg.error;
      else turn.result = PromptResult.parse(msg.result);
    }
  }
  return { init, newSession, turns, mapper };
}

const find = (turns: RecordedTurn[], prefix: string) => turns.find((t) => t.prompt.startsWith(prefix)) as RecordedTurn;
const results = (t: RecordedTurn) => t.events.filter((e) => e.type === "tool_result");

for (const [cli, file] of [["gemini", "gemini-session.jsonl"], ["opencode", "opencode-session.jsonl"]] as const) {
  describe(`recorded ${cli} ACP traffic`, () => {
    const { init, newSession, turns, mapper } = replay(file);

    test("initialize advertises session/load and HTTP MCP; session/new returns an id", () => {
      expect(init.agentCapabilities?.loadSession).toBe(true);
      expect(init.agentCapabilities?.mcpCapabilities?.http).toBe(true);
      expect(newSession.sessionId.length).toBeGreaterThan(0);
      expect(turns.map((t) => t.prompt)).toHaveLength(6);
    });

    test("a text turn: the echo, ended by the prompt result with token usage", () => {
      const t = find(turns, "hello");
      expect(textOf(t.events)).toBe("ECHO: hello from turn 1");
      expect(t.events.filter((e) => e.type === "unknown")).toEqual([]);
      expect(t.result?.stopReason).toBe("end_turn");
      expect(mapper.turnUsage(t.result as never).usage.input).toBeGreaterThan(0);
    });

    test("a shell turn: one execute tool call, one successful result, the output in the reply", () => {
      const t = find(turns, "RUN: echo hi");
      const calls = t.events.filter((e) => e.type === "tool_call");
      expect(calls).toMatchObject([{ kind: "execute", name: cli === "gemini" ? "run_shell_command" : "bash" }]);
      expect(results(t)).toMatchObject([{ ok: true }]);
      expect(textOf(t.events)).toContain("hi");
    });

    test("a permission question names the shell tool, and the policy table answers it", () => {
      const t = find(turns, "RUN: touch");
      expect(t.permissions).toHaveLength(1);
      const call = t.permissions[0]?.toolCall;
      const req = describePermissionRequest(call, cli === "opencode" ? "bash" : undefined);
      expect(req).toMatchObject({ kind: "execute", toolName: cli === "gemini" ? "run_shell_command" : "bash", title: "touch made-by-agent.txt" });
      expect(decidePermission("read", req)).toBe("reject");
      expect(decidePermission("write", req)).toBe("reject");
      expect(decidePermission("full", req)).toBe("allow");
      expect(decidePermission("auto", req)).toBe("ask");
      expect(t.permissions[0]?.options.map((o: Msg) => o.kind)).toContain("allow_once");
    });

    test("an MCP tool turn carries the server's output in the tool result", () => {
      const t = find(turns, "TOOL: echo");
      expect(t.events.find((e) => e.type === "tool_call")).toMatchObject({ kind: "other" });
      const [result] = results(t);
      expect(result).toMatchObject({ ok: true });
      expect(result?.type === "tool_result" && result.text).toContain("MCP ECHO: pong");
    });

    test("a cancelled turn ends with stopReason cancelled", () => {
      expect(find(turns, "SLEEP_TOOL").result?.stopReason).toBe("cancelled");
    });

    test("an API error is a JSON-RPC error carrying the model API's message", () => {
      const t = find(turns, "MOCK_ERROR");
      expect(t.result).toBeUndefined();
      expect(String(t.error?.message)).toContain("mock-llm scripted error");
    });
  });
}
