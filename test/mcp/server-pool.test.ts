// The per-caller pool of SDK tool servers: a server is reused only for the caller it was built for, concurrent
// requests get their own servers, and nothing is kept for a revoked caller.

import { describe, expect, test } from "bun:test";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { OPERATOR, type Caller } from "../../src/mcp/identity.ts";
import type { PlanePorts } from "../../src/mcp/ports.ts";
import { ToolServerPool } from "../../src/mcp/server-pool.ts";
import { buildToolServer, loadSdk } from "../../src/mcp/tools.ts";
import { gate } from "../session/fixtures.ts";

const alpha: Caller = { kind: "session", handle: "alpha" };
const bravo: Caller = { kind: "session", handle: "bravo" };

async function poolWith(live: (c: Caller) => boolean = () => true) {
  const { McpServer } = await loadSdk();
  const built: Array<{ caller: Caller; server: McpServer }> = [];
  const ports = { listAgents: () => [{ name: "a", provider: "scripted" }] } as unknown as PlanePorts;
  const pool = new ToolServerPool((caller) => {
    const server = buildToolServer(McpServer, { caller, ports });
    built.push({ caller, server });
    return server;
  }, live);
  return { pool, built };
}

/** Serves one request on the pooled server: connect an in-memory client, call a tool, disconnect. */
async function serveOne(server: McpServer, hold?: Promise<void>): Promise<boolean> {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "pool-test", version: "0" });
  await client.connect(b);
  const r = await client.callTool({ name: "aegis_list_agents", arguments: {} });
  await hold;
  await client.close();
  return r.isError !== true;
}

describe("ToolServerPool", () => {
  test("reuses a caller's server for its next request, and never for another caller", async () => {
    const { pool, built } = await poolWith();
    expect(await pool.with(alpha, (s) => serveOne(s))).toBe(true);
    expect(await pool.with(alpha, (s) => serveOne(s))).toBe(true);
    expect(built).toHaveLength(1);
    expect(await pool.with(bravo, (s) => serveOne(s))).toBe(true);
    expect(await pool.with(OPERATOR, (s) => serveOne(s))).toBe(true);
    expect(built.map((b) => b.caller)).toEqual([alpha, bravo, OPERATOR]);
    expect(pool.size(alpha)).toBe(1);
  });

  test("concurrent requests of one caller get separate servers", async () => {
    const { pool, built } = await poolWith();
    const hold = gate();
    const first = pool.with(alpha, (s) => serveOne(s, hold.wait()));
    const second = pool.with(alpha, (s) => serveOne(s, hold.wait()));
    hold.open();
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(built).toHaveLength(2);
    expect(new Set(built.map((b) => b.server)).size).toBe(2);
    expect(pool.size(alpha)).toBe(2);
  });

  test("a dropped caller's servers are gone, and a request finishing after revocation is not kept", async () => {
    const revoked = new Set<string>();
    const { pool } = await poolWith((c) => c.kind === "operator" || !revoked.has(c.handle));
    await pool.with(alpha, (s) => serveOne(s));
    expect(pool.size(alpha)).toBe(1);
    pool.drop("alpha");
    expect(pool.size(alpha)).toBe(0);
    await pool.with(alpha, async (s) => {
      revoked.add("alpha");
      pool.drop("alpha");
      return serveOne(s);
    });
    expect(pool.size(alpha)).toBe(0);
  });
});
