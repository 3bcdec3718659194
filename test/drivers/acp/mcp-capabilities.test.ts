// Which MCP servers an ACP agent is given, by its advertised mcpCapabilities (#10).

import { expect, test } from "bun:test";
import type { McpServerSpec } from "../../../src/drivers/driver.ts";
import { mcpServersFor } from "../../../src/drivers/acp/mcp-capabilities.ts";

const specs: McpServerSpec[] = [
  { type: "http", name: "aegis", url: "http://127.0.0.1:1/mcp", headers: { Authorization: "Bearer s" } },
  { type: "stdio", name: "local", command: "echo-mcp" },
];

test("an agent advertising HTTP MCP gets every server (#10)", () => {
  const warnings: string[] = [];
  expect(mcpServersFor({ protocolVersion: 1, agentCapabilities: { mcpCapabilities: { http: true } } }, specs, "Qwen", (m) => warnings.push(m))).toEqual(specs);
  expect(warnings).toEqual([]);
});

test("an agent without HTTP MCP gets only stdio servers, and the dropped ones are named in a warning (#10)", () => {
  const warnings: string[] = [];
  const kept = mcpServersFor({ protocolVersion: 1, agentCapabilities: { loadSession: true } }, specs, "Some Agent", (m) => warnings.push(m));
  expect(kept.map((s) => s.name)).toEqual(["local"]);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("Some Agent");
  expect(warnings[0]).toContain('"aegis"');
  expect(warnings[0]).toContain("mcpCapabilities.http");
});
