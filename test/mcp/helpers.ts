// Test helpers for the MCP plane: a runtime of Scripted agents with the plane attached (the attachments each
// session got are kept, so a test can connect as that session with the MCP SDK's own client), and small wrappers
// to call a tool and read its text or JSON.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { LoadedConfig } from "../../src/config/validate.ts";
import { createMcpPlane, type McpPlane, type PlaneAttachment } from "../../src/mcp/plane.ts";
import { portsFromRuntime } from "../../src/mcp/plane-ports.ts";
import { workflowsPort } from "../../src/mcp/workflow-port.ts";
import type { PlanePorts } from "../../src/mcp/ports.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import type { SessionManager } from "../../src/session/manager.ts";
import type { Store } from "../../src/store/store.ts";
import { memoryStore } from "../session/fixtures.ts";

export interface PlaneHarness extends AsyncDisposable {
  plane: McpPlane;
  runtime: Runtime;
  sessions: SessionManager;
  store: Store;
  ports: PlanePorts;
  /** What `attach` returned for each handle (its secret is in the Authorization header). */
  attachments: Map<string, PlaneAttachment>;
  /** An MCP SDK client connected as the session `handle`. */
  clientAs(handle: string): Promise<Client>;
  close(): Promise<void>;
}

export function httpSpec(a: PlaneAttachment | undefined): { url: string; headers: Record<string, string> } {
  const spec = a?.mcpServers[0];
  if (!spec || spec.type !== "http") throw new Error("no http MCP server in the attachment");
  return { url: spec.url, headers: spec.headers ?? {} };
}

/** An SDK client over Streamable HTTP with the given headers. */
export async function connectClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "aegis-test", version: "0.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** The real runtime (sessions and queues over an in-memory store) with the plane attached. */
export function planeHarness(config: LoadedConfig, more: { workflows?: boolean; store?: Store; cwd?: string } = {}): PlaneHarness {
  const store = more.store ?? memoryStore();
  const attachments = new Map<string, PlaneAttachment>();
  let ports!: PlanePorts;
  const plane = createMcpPlane({ ports: () => ports });
  const runtime = createRuntime({
    config,
    store,
    cwd: more.cwd ?? "/tmp",
    queues: { pollMs: 0 },
    plane: {
      includeScripted: true,
      attach(handle, opts) {
        const a = plane.attach(handle, opts);
        attachments.set(handle, a);
        return a;
      },
      detach: (handle) => plane.detach(handle),
    },
  });
  const { sessions, queues } = runtime;
  ports = portsFromRuntime({ config, sessions, queues, ...(more.workflows ? { workflows: workflowsPort(runtime) } : {}) });
  const clients: Client[] = [];
  const close = async () => {
    await Promise.all(clients.map((c) => c.close()));
    await runtime.close();
    await plane.close();
  };
  return {
    plane, runtime, sessions, store, ports, attachments,
    async clientAs(handle) {
      const { url, headers } = httpSpec(attachments.get(handle));
      const c = await connectClient(url, headers);
      clients.push(c);
      return c;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

export interface CallOutcome {
  isError: boolean;
  text: string;
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallOutcome> {
  const r = await client.callTool({ name, arguments: args });
  const content = (r.content ?? []) as Array<{ type: string; text?: string }>;
  return { isError: r.isError === true, text: content.map((c) => c.text ?? "").join("") };
}

/** Calls a tool that must succeed and parses its JSON result. */
export async function callJson<T = any>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const r = await call(client, name, args);
  if (r.isError) throw new Error(`${name} failed: ${r.text}`);
  return JSON.parse(r.text) as T;
}
