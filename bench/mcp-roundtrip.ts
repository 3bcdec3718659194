#!/usr/bin/env bun
// Round trip of one MCP tool call to the plane: `aegis_task_status` from the MCP SDK's own client (as an agent
// session, through the secret check, a fresh stateless SDK server, the queue's store read), and the same call as a
// bare fetch (no client library), each against a bare `Bun.serve` echo endpoint on 127.0.0.1 measured in the same
// run (ratios, since machines are noisy). No goal: the figures show where the time goes.
// Usage: bun bench/mcp-roundtrip.ts [--quick] [--runs 2000]

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Scripted } from "../src/config/providers.ts";
import { validateConfig } from "../src/config/validate.ts";
import { createMcpPlane, type PlaneAttachment } from "../src/mcp/plane.ts";
import { portsFromRuntime } from "../src/mcp/plane-ports.ts";
import type { PlanePorts } from "../src/mcp/ports.ts";
import { createRuntime } from "../src/runtime.ts";
import { openStore } from "../src/store/store.ts";
import { numArg, report } from "./lib/report.ts";

const RUNS = numArg("--runs", 2000, 100);
const WARMUP = Math.min(200, Math.ceil(RUNS / 5));

interface Stats { median: number; p99: number; mean: number }

async function measure(fn: () => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))]!;
  return { median: at(0.5), p99: at(0.99), mean: times.reduce((a, b) => a + b, 0) / times.length };
}

// ── the baseline: a bare echo endpoint ─────────────────────────────────────────────────────────────────────────
const echo = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (req) => new Response(await req.text(), { headers: { "content-type": "application/json" } }) });
const echoUrl = `http://127.0.0.1:${echo.port}/`;

// ── the plane, over the real runtime: one session, one pending task (its queue is not served here) ──────────────
// Scripted sessions get the plane only when asked (includeScripted): the session stands in for an agent CLI here.
const config = validateConfig({
  agents: { lead: { provider: new Scripted({ reply: () => "ok" }) }, worker: { provider: new Scripted({ reply: () => "ok" }) } },
  queues: { review: { agent: "worker", maxParallel: 1 } },
}, "/tmp/aegis-bench/.aegis.ts", "/tmp/aegis-bench");
let ports!: PlanePorts;
const plane = createMcpPlane({ ports: () => ports });
const attachments = new Map<string, PlaneAttachment>();
const rt = createRuntime({
  config, store: openStore(":memory:"), cwd: "/tmp", queues: { pollMs: 0 },
  plane: { includeScripted: true, attach: (h) => { const a = plane.attach(h); attachments.set(h, a); return a; }, detach: (h) => plane.detach(h) },
});
ports = portsFromRuntime({ config, sessions: rt.sessions, queues: rt.queues });
await rt.sessions.spawn("lead", { handle: "alpha" });
const { taskId } = await rt.queues.enqueue("review", "a payload", { enqueuedBy: "agent:alpha" });
const spec = attachments.get("alpha")!.mcpServers[0]!;
if (spec.type !== "http") throw new Error("expected an http MCP server");

const client = new Client({ name: "aegis-bench", version: "0.0.0" });
await client.connect(new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers: spec.headers ?? {} } }));
const callBody = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "aegis_task_status", arguments: { taskId } } });
const rawHeaders = { ...spec.headers, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };

try {
  const check = await client.callTool({ name: "aegis_task_status", arguments: { taskId } });
  if (check.isError) throw new Error(`aegis_task_status failed: ${JSON.stringify(check.content)}`);
  const echoStats = await measure(async () => (await fetch(echoUrl, { method: "POST", body: callBody, headers: { "content-type": "application/json" } })).text());
  const sdkStats = await measure(() => client.callTool({ name: "aegis_task_status", arguments: { taskId } }));
  const rawStats = await measure(async () => (await fetch(spec.url, { method: "POST", body: callBody, headers: rawHeaders })).text());
  const row = (name: string, s: Stats) =>
    `${name.padEnd(46)} median ${s.median.toFixed(3).padStart(7)} ms   p99 ${s.p99.toFixed(3).padStart(7)} ms   ×${(s.median / echoStats.median).toFixed(1)} median, ×${(s.p99 / echoStats.p99).toFixed(1)} p99 of baseline`;
  console.log(`MCP round trip (${RUNS} calls each, after ${WARMUP} warm-ups; bun ${Bun.version})`);
  console.log(row("bare Bun.serve echo, fetch (baseline)", echoStats));
  console.log(row("aegis_task_status, MCP SDK client", sdkStats));
  console.log(row("aegis_task_status, bare fetch tools/call", rawStats));
  console.log(`server side ≈ raw − echo = ${(rawStats.median - echoStats.median).toFixed(3)} ms median; ` +
    `SDK client adds ≈ ${(sdkStats.median - rawStats.median).toFixed(3)} ms median`);
  const baseline = { label: "bare Bun.serve echo", value: echoStats.median };
  report("mcp-roundtrip", [
    { figure: "aegis_task_status via the MCP SDK client, median", value: sdkStats.median, unit: "ms", baseline },
    { figure: "aegis_task_status via bare fetch, median", value: rawStats.median, unit: "ms", baseline },
    { figure: "aegis_task_status via bare fetch, p99", value: rawStats.p99, unit: "ms", baseline: { label: "echo p99", value: echoStats.p99 } },
  ]);
} finally {
  await client.close();
  await rt.close();
  await plane.close();
  await echo.stop(true);
}
