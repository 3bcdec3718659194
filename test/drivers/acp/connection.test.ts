import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { JsonRpcConnection, RpcMethodError } from "../../../src/drivers/acp/connection.ts";
import { LineChannel } from "./line-channel.ts";

const Any = z.unknown();
const Num = z.object({ n: z.number() });

function setup(opts: ConstructorParameters<typeof JsonRpcConnection>[1] = {}, asyncWrites = false) {
  const ch = new LineChannel(asyncWrites);
  const conn = new JsonRpcConnection(ch, opts);
  const reading = conn.start();
  return { ch, conn, reading };
}

describe("JsonRpcConnection", () => {
  test("matches responses to requests by id and validates the result", async () => {
    const { ch, conn } = setup();
    const a = conn.request("a", { x: 1 }, Num);
    const b = conn.request("b", {}, Num);
    const reqA = await ch.next((m) => m.method === "a");
    const reqB = await ch.next((m) => m.method === "b");
    expect(reqA).toMatchObject({ jsonrpc: "2.0", params: { x: 1 } });
    ch.push({ jsonrpc: "2.0", id: reqB.id, result: { n: 2 } });
    ch.push({ jsonrpc: "2.0", id: reqA.id, result: { n: 1 } });
    expect(await a).toEqual({ n: 1 });
    expect(await b).toEqual({ n: 2 });
    expect(conn.pendingCount).toBe(0);
  });

  test("envelopes checked by hand as their schemas would: wrong jsonrpc, bad id or no result are skipped (#10)", async () => {
    const notes: unknown[] = [];
    const { ch, conn } = setup({ onNotification: (_m, p) => notes.push(p) });
    const p = conn.request("a", {}, Any);
    const req = await ch.next((m) => m.method === "a");
    ch.push({ jsonrpc: "1.0", method: "session/update", params: { n: 1 } });
    ch.push({ jsonrpc: "2.0", method: "session/update", params: { n: 2 } });
    ch.push({ jsonrpc: "2.0", id: req.id });
    ch.push({ jsonrpc: "2.0", id: true, result: 1 });
    ch.push({ jsonrpc: "1.0", id: req.id, result: 1 });
    ch.push({ jsonrpc: "2.0", id: req.id, result: "ok" });
    expect(await p).toBe("ok");
    expect(notes).toEqual([{ n: 2 }]);
    expect(conn.skippedLines).toBe(4);
  });

  test("a result that fails its schema rejects with E_PROTOCOL", async () => {
    const { ch, conn } = setup();
    const p = conn.request("a", {}, Num);
    const req = await ch.next((m) => m.method === "a");
    ch.push({ jsonrpc: "2.0", id: req.id, result: { n: "nope" } });
    await expect(p).rejects.toMatchObject({ code: "E_PROTOCOL" });
  });

  test("a JSON-RPC error rejects with the agent's message verbatim", async () => {
    const { ch, conn } = setup();
    const p = conn.request("session/prompt", {}, Any);
    const req = await ch.next((m) => m.method === "session/prompt");
    ch.push({ jsonrpc: "2.0", id: req.id, error: { code: -32603, message: "Internal error: mock 500", data: { errorName: "APIError" } } });
    await expect(p).rejects.toMatchObject({ code: "E_PROTOCOL", message: "Internal error: mock 500", data: { rpcCode: -32603 } });
  });

  test("every request times out with E_TIMEOUT, and a late answer is skipped", async () => {
    const { ch, conn } = setup({ defaultTimeoutMs: 20 });
    const p = conn.request("slow", {}, Any);
    await expect(p).rejects.toMatchObject({ code: "E_TIMEOUT" });
    expect(conn.pendingCount).toBe(0);
    const req = await ch.next((m) => m.method === "slow");
    ch.push({ jsonrpc: "2.0", id: req.id, result: {} });
    // The connection is still usable after a timeout.
    const q = conn.request("fast", {}, Any, { timeoutMs: 1000 });
    const r2 = await ch.next((m) => m.method === "fast");
    ch.push({ jsonrpc: "2.0", id: r2.id, result: { ok: true } });
    expect(await q).toEqual({ ok: true });
    expect(conn.skippedLines).toBe(1);
  });

  test("timeoutMs 0 sets no timer; an abort signal cancels with E_CANCELLED", async () => {
    const { conn } = setup({ defaultTimeoutMs: 5 });
    const ac = new AbortController();
    const p = conn.request("session/prompt", {}, Any, { timeoutMs: 0, signal: ac.signal });
    // A sibling request with the default timeout expires first; the prompt must still be pending after it.
    await expect(conn.request("other", {}, Any)).rejects.toMatchObject({ code: "E_TIMEOUT" });
    expect(conn.pendingCount).toBe(1);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: "E_CANCELLED" });
    expect(conn.pendingCount).toBe(0);
  });

  test("close() rejects every pending request, and later ones at once", async () => {
    const { conn } = setup();
    const ps = [conn.request("a", {}, Any, { timeoutMs: 0 }), conn.request("b", {}, Any, { timeoutMs: 0 })];
    const reason = new Error("process exited (code 3)");
    conn.close(reason);
    for (const p of ps) await expect(p).rejects.toBe(reason);
    await expect(conn.request("c", {}, Any)).rejects.toBe(reason);
    expect(conn.closed).toBe(true);
  });

  test("the end of the stream rejects pending requests with E_AGENT_EXIT", async () => {
    const { ch, conn, reading } = setup();
    const p = conn.request("a", {}, Any, { timeoutMs: 0 });
    ch.end();
    await reading;
    await expect(p).rejects.toMatchObject({ code: "E_AGENT_EXIT" });
  });

  test("garbage lines are skipped and counted; valid messages around them still work", async () => {
    const diags: string[] = [];
    const { ch, conn } = setup({ onDiagnostic: (m) => diags.push(m) });
    const p = conn.request("a", {}, Num);
    const req = await ch.next((m) => m.method === "a");
    for (const junk of ["hello world", "{not json", "[1,2,3]", "42", '{"jsonrpc":"1.0","id":1,"result":{}}', "   ", "null"]) ch.push(junk);
    ch.push({ jsonrpc: "2.0", id: req.id, result: { n: 7 } });
    expect(await p).toEqual({ n: 7 });
    expect(conn.skippedLines).toBe(6); // the blank line is not counted
    expect(diags.some((d) => d.includes("not JSON"))).toBe(true);
  });

  test("a huge line is parsed like any other", async () => {
    const { ch, conn } = setup();
    const p = conn.request("big", {}, z.object({ text: z.string() }));
    const req = await ch.next((m) => m.method === "big");
    const text = "x".repeat(16 * 1024 * 1024);
    ch.push(`{"jsonrpc":"2.0","id":${req.id},"result":{"text":"${text}"}}`);
    expect((await p).text.length).toBe(text.length);
  });

  test("inbound requests are answered; unknown methods get -32601, bad params -32602", async () => {
    const { ch } = setup({
      onRequest: (method, params) => {
        if (method === "echo") return z.object({ v: z.string() }).parse(params);
        if (method === "boom") throw new RpcMethodError(-32000, "boom", { why: "test" });
        throw new RpcMethodError(-32601, `method not found: ${method}`);
      },
    });
    ch.push({ jsonrpc: "2.0", id: 0, method: "echo", params: { v: "hi" } });
    ch.push({ jsonrpc: "2.0", id: 1, method: "fs/read_text_file", params: { path: "/etc/passwd" } });
    ch.push({ jsonrpc: "2.0", id: "s2", method: "echo", params: { v: 3 } });
    ch.push({ jsonrpc: "2.0", id: 3, method: "boom" });
    expect(await ch.next((m) => m.id === 0)).toEqual({ jsonrpc: "2.0", id: 0, result: { v: "hi" } });
    expect(await ch.next((m) => m.id === 1)).toMatchObject({ error: { code: -32601 } });
    expect(await ch.next((m) => m.id === "s2")).toMatchObject({ error: { code: -32602 } });
    expect(await ch.next((m) => m.id === 3)).toMatchObject({ error: { code: -32000, message: "boom", data: { why: "test" } } });
  });

  test("notifications reach the handler in order; a throwing handler does not stop the stream", async () => {
    const seen: unknown[] = [];
    const { ch, conn } = setup({
      onNotification: (_m, params) => {
        seen.push(params);
        if ((params as { n: number }).n === 1) throw new Error("handler bug");
      },
    });
    for (let n = 0; n < 3; n++) ch.push({ jsonrpc: "2.0", method: "session/update", params: { n } });
    const p = conn.request("after", {}, Any);
    const req = await ch.next((m) => m.method === "after");
    ch.push({ jsonrpc: "2.0", id: req.id, result: 1 });
    await p;
    expect(seen).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });

  test("writes go through one queue: order is kept even when the transport writes asynchronously", async () => {
    const { ch, conn } = setup({}, true);
    const ps = Array.from({ length: 20 }, (_, i) => conn.request(`m${i}`, {}, Any));
    conn.notify("note", {});
    await ch.next((m) => m.method === "note");
    expect(ch.written.map((m: any) => m.method)).toEqual([...Array.from({ length: 20 }, (_, i) => `m${i}`), "note"]);
    conn.close(new Error("done"));
    for (const p of ps) await expect(p).rejects.toThrow("done");
  });

  test("a failing write closes the connection and rejects the request", async () => {
    const conn = new JsonRpcConnection({ lines: (async function* () {})(), write: () => { throw new Error("EPIPE"); } });
    await expect(conn.request("a", {}, Any, { timeoutMs: 0 })).rejects.toMatchObject({ code: "E_AGENT_EXIT" });
    expect(conn.closed).toBe(true);
  });
});
