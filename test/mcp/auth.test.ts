// The plane's front door: 401 and no effect without a valid secret, a secret that dies with its session, loopback
// only, and the checks a CLI's connection can be verified by (contact, waitForTools).

import { afterEach, describe, expect, test } from "bun:test";
import { networkInterfaces } from "node:os";
import { listInbox } from "../../src/store/inbox.ts";
import { testConfig } from "../session/fixtures.ts";
import { call, callJson, connectClient, httpSpec, planeHarness, type PlaneHarness } from "./helpers.ts";

const config = testConfig({ a: { reply: (p) => `a got: ${p}` }, b: { reply: (p) => `b got: ${p}` } });
let h: PlaneHarness;
afterEach(() => h?.close());

function rpc(method: string, params: unknown = {}): string {
  return JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
}

const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

describe("authentication", () => {
  test("a request without a secret gets 401 and the SDK client cannot connect", async () => {
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    const { url } = httpSpec(h.attachments.get("alpha"));
    const res = await fetch(url, { method: "POST", headers: MCP_HEADERS, body: rpc("tools/list") });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    await expect(connectClient(url)).rejects.toThrow();
  });

  test("a wrong secret gets 401, and a tool call carrying it has no effect", async () => {
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    await h.sessions.spawn("b", { handle: "bravo" });
    const { url } = httpSpec(h.attachments.get("alpha"));
    const body = rpc("tools/call", { name: "aegis_handoff", arguments: { target: "bravo", context: "forged" } });
    for (const auth of ["Bearer 0000", "Bearer ", "Basic YWxwaGE6eA==", `Bearer ${"f".repeat(64)}`]) {
      const res = await fetch(url, { method: "POST", headers: { ...MCP_HEADERS, authorization: auth }, body });
      expect(res.status).toBe(401);
    }
    expect(listInbox(h.store, "bravo")).toHaveLength(0);
    expect(h.plane.refused).toBe(4);
    await expect(connectClient(url, { Authorization: "Bearer nope" })).rejects.toThrow();
  });

  test("the secret dies with its session", async () => {
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    const { url, headers } = httpSpec(h.attachments.get("alpha"));
    const client = await h.clientAs("alpha");
    expect((await callJson(client, "aegis_list_sessions")).sessions.length).toBe(1);
    await h.sessions.close("alpha");
    const res = await fetch(url, { method: "POST", headers: { ...MCP_HEADERS, ...headers }, body: rpc("tools/list") });
    expect(res.status).toBe(401);
    await expect(client.callTool({ name: "aegis_list_sessions", arguments: {} })).rejects.toThrow(/401|Unauthorized/);
  });

  test("two sessions get different secrets, each naming its own session", async () => {
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    await h.sessions.spawn("b", { handle: "bravo" });
    expect(httpSpec(h.attachments.get("alpha")).headers.Authorization).not.toBe(httpSpec(h.attachments.get("bravo")).headers.Authorization);
    const [ca, cb] = [await h.clientAs("alpha"), await h.clientAs("bravo")];
    const you = async (c: typeof ca) => (await callJson(c, "aegis_list_sessions")).sessions.find((s: { you: boolean }) => s.you).handle;
    expect(await you(ca)).toBe("alpha");
    expect(await you(cb)).toBe("bravo");
  });
});

describe("the HTTP surface", () => {
  test("other paths are 404, GET is 405, a browser Origin is 403", async () => {
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    const { url, headers } = httpSpec(h.attachments.get("alpha"));
    expect((await fetch(url.replace(/\/mcp$/, "/other"), { method: "POST", headers })).status).toBe(404);
    expect((await fetch(url, { headers: { ...headers, accept: "text/event-stream" } })).status).toBe(405);
    const cross = await fetch(url, { method: "POST", headers: { ...MCP_HEADERS, ...headers, origin: "http://evil.example" }, body: rpc("tools/list") });
    expect(cross.status).toBe(403);
  });

  test("a body that is not JSON gets a JSON-RPC parse error, and the server keeps serving", async () => {
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    const { url, headers } = httpSpec(h.attachments.get("alpha"));
    const res = await fetch(url, { method: "POST", headers: { ...MCP_HEADERS, ...headers }, body: "{not json" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
    expect((await call(await h.clientAs("alpha"), "aegis_list_agents")).isError).toBe(false);
  });

  test("the server listens on 127.0.0.1 only: a non-loopback address of this machine refuses the connection", async () => {
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    const { url, headers } = httpSpec(h.attachments.get("alpha"));
    const port = new URL(url).port;
    expect(new URL(url).hostname).toBe("127.0.0.1");
    const external = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal).map((i) => i!.address);
    if (external.length === 0) {
      console.warn("no non-loopback address on this machine: only the bind address was checked");
      return;
    }
    for (const addr of external) {
      const host = addr.includes(":") ? `[${addr}]` : addr;
      await expect(fetch(`http://${host}:${port}/mcp`, { method: "POST", headers, body: rpc("tools/list") })).rejects.toThrow();
    }
    // The loopback address still answers.
    expect((await fetch(url, { method: "POST", headers: { ...MCP_HEADERS, ...headers }, body: rpc("ping") })).status).toBe(200);
  });
});

describe("checking that a session's CLI has the tools", () => {
  test("waitForTools resolves true once the session lists the tools, and contact counts its calls", async () => {
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    expect(h.plane.contact("alpha")).toBeUndefined();
    const waiting = h.plane.waitForTools("alpha", 5000);
    const client = await h.clientAs("alpha");
    await client.listTools();
    expect(await waiting).toBe(true);
    await call(client, "aegis_list_agents");
    expect(h.plane.contact("alpha")?.toolCalls).toBe(1);
  });

  test("waitForTools resolves false for a session that never connects, and at once when it is detached", async () => {
    h = planeHarness(config);
    await h.sessions.spawn("a", { handle: "alpha" });
    await h.sessions.spawn("b", { handle: "bravo" });
    expect(await h.plane.waitForTools("alpha", 50)).toBe(false);
    const pending = h.plane.waitForTools("bravo", 60_000);
    await h.sessions.close("bravo");
    expect(await pending).toBe(false);
  });
});
