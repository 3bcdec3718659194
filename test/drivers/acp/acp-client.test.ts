import { describe, expect, test } from "bun:test";
import { AcpClient, toAcpMcpServers } from "../../../src/drivers/acp/acp-client.ts";
import type { RequestPermissionParams } from "../../../src/drivers/acp/wire.ts";
import { LineChannel } from "./line-channel.ts";

function setup() {
  const ch = new LineChannel();
  const updates: Array<[string, unknown]> = [];
  const asked: RequestPermissionParams[] = [];
  const client = new AcpClient({
    transport: ch,
    onUpdate: (id, u) => updates.push([id, u]),
    onPermission: async (p) => {
      asked.push(p);
      return { outcome: "selected", optionId: "proceed_once" };
    },
  });
  void client.start();
  return { ch, client, updates, asked };
}

describe("AcpClient", () => {
  test("initialize advertises no filesystem and no terminal", async () => {
    const { ch, client } = setup();
    const p = client.initialize();
    const req = await ch.next((m) => m.method === "initialize");
    expect(req.params).toMatchObject({ protocolVersion: 1, clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false } });
    ch.push({ jsonrpc: "2.0", id: req.id, result: { protocolVersion: 1, agentCapabilities: { loadSession: true } } });
    expect((await p).agentCapabilities?.loadSession).toBe(true);
  });

  test("fs/* and terminal/* requests get method-not-found", async () => {
    const { ch } = setup();
    ch.push({ jsonrpc: "2.0", id: 7, method: "fs/read_text_file", params: { sessionId: "s", path: "/etc/shadow" } });
    ch.push({ jsonrpc: "2.0", id: 8, method: "terminal/create", params: { sessionId: "s", command: "rm" } });
    expect(await ch.next((m) => m.id === 7)).toMatchObject({ error: { code: -32601 } });
    expect(await ch.next((m) => m.id === 8)).toMatchObject({ error: { code: -32601 } });
  });

  test("request_permission is validated, then answered by the session's callback", async () => {
    const { ch, asked } = setup();
    ch.push({ jsonrpc: "2.0", id: 0, method: "session/request_permission", params: { sessionId: "s", options: "nope" } });
    expect(await ch.next((m) => m.id === 0)).toMatchObject({ error: { code: -32602 } });
    expect(asked).toHaveLength(0);
    const params = { sessionId: "s", toolCall: { toolCallId: "t", title: "touch x", kind: "execute" }, options: [{ optionId: "proceed_once", kind: "allow_once", name: "Allow" }] };
    ch.push({ jsonrpc: "2.0", id: 1, method: "session/request_permission", params });
    expect(await ch.next((m) => m.id === 1)).toEqual({ jsonrpc: "2.0", id: 1, result: { outcome: { outcome: "selected", optionId: "proceed_once" } } });
    expect(asked[0]?.toolCall.title).toBe("touch x");
  });

  test("session/update reaches onUpdate; a malformed one is dropped", async () => {
    const { ch, client, updates } = setup();
    ch.push({ jsonrpc: "2.0", method: "session/update", params: { update: { sessionUpdate: "agent_message_chunk" } } });
    ch.push({ jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "hi" } } } });
    const p = client.prompt("s", [{ type: "text", text: "x" }]);
    const req = await ch.next((m) => m.method === "session/prompt");
    ch.push({ jsonrpc: "2.0", id: req.id, result: { stopReason: "end_turn" } });
    await p;
    expect(updates).toEqual([["s", { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "hi" } }]]);
  });

  test("cancel is a notification, with no id", async () => {
    const { ch, client } = setup();
    client.cancel("s1");
    expect(await ch.next((m) => m.method === "session/cancel")).toEqual({ jsonrpc: "2.0", method: "session/cancel", params: { sessionId: "s1" } });
  });
});

describe("toAcpMcpServers", () => {
  test("http servers carry headers as a name/value list; stdio servers args and env lists, empty when absent", () => {
    expect(toAcpMcpServers([
      { type: "http", name: "aegis", url: "http://127.0.0.1:1/mcp", headers: { Authorization: "Bearer s" } },
      { type: "http", name: "bare", url: "http://127.0.0.1:2/mcp" },
      { type: "stdio", name: "echo", command: "bun", args: ["echo.ts"], env: { LOG: "/tmp/x" } },
      { type: "stdio", name: "plain", command: "srv" },
    ])).toEqual([
      { type: "http", name: "aegis", url: "http://127.0.0.1:1/mcp", headers: [{ name: "Authorization", value: "Bearer s" }] },
      { type: "http", name: "bare", url: "http://127.0.0.1:2/mcp", headers: [] },
      { name: "echo", command: "bun", args: ["echo.ts"], env: [{ name: "LOG", value: "/tmp/x" }] },
      { name: "plain", command: "srv", args: [], env: [] },
    ]);
  });
});
