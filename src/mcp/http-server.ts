// The plane's HTTP side: one Bun.serve on 127.0.0.1 and an ephemeral port, answering MCP Streamable HTTP at `/mcp`
// in stateless mode (a fresh SDK server and transport per POST, so no MCP session state outlives a request and a
// revoked secret stops working on the very next request). Every request is authenticated before its body is read:
// no valid `Authorization: Bearer <secret>` → 401 and nothing else happens. It records which sessions have reached
// the server and listed its tools, so aegis can check that a CLI really has them (a bad secret fails silently in
// the CLIs). It must never bind another interface, log a secret, or take an identity from a request body.

import type { Server } from "bun";
import { AegisError } from "../util/errors.ts";
import { bearerSecret, type Caller, type SecretTable } from "./identity.ts";
import type { PlanePorts } from "./ports.ts";
import { ToolServerPool } from "./server-pool.ts";
import { buildToolServer, loadSdk } from "./tools.ts";

/** Largest request body accepted (a handoff's context can be long). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
export const MCP_PATH = "/mcp";

/** What the server has seen from one session. */
export interface Contact {
  firstAt: number;
  /** When the session's CLI first listed the tools (it can see them). */
  toolsListedAt?: number;
  toolCalls: number;
}

export interface HttpPlaneOptions {
  secrets: SecretTable;
  /** Resolved per request, so the plane can be created before the runtime it serves. */
  ports: () => PlanePorts;
  /** Logs (stderr); never receives a secret. */
  log?: (line: string) => void;
  /** Called the first time a session lists the tools. */
  onToolsListed?: (handle: string) => void;
}

export interface HttpPlane {
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  readonly port: number;
  contact(handle: string): Contact | undefined;
  /** How many requests were refused for want of a valid secret. */
  readonly refused: number;
  /** Forgets what was seen from a session and the servers kept for it. */
  forget(handle: string): void;
  stop(): Promise<void>;
}

type SdkTransport = typeof import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js");
let transportModule: Promise<SdkTransport> | undefined;

function jsonError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status, headers });
}

/** Starts the server. Bun.serve binds synchronously, so the URL is usable as soon as this returns. */
export function startHttpPlane(opts: HttpPlaneOptions): HttpPlane {
  const contacts = new Map<string, Contact>();
  let pool: ToolServerPool | undefined;
  let refused = 0;
  const log = opts.log ?? (() => {});

  function note(caller: Caller, body: unknown): void {
    if (caller.kind !== "session") return;
    const c = contacts.get(caller.handle) ?? { firstAt: Date.now(), toolCalls: 0 };
    for (const m of Array.isArray(body) ? body : [body]) {
      const method = (m as { method?: unknown } | null)?.method;
      if (method === "tools/list" && c.toolsListedAt === undefined) {
        c.toolsListedAt = Date.now();
        opts.onToolsListed?.(caller.handle);
      } else if (method === "tools/call") c.toolCalls++;
    }
    contacts.set(caller.handle, c);
  }

  async function answer(req: Request, caller: Caller): Promise<Response> {
    const declared = Number(req.headers.get("content-length") ?? 0);
    if (declared > MAX_BODY_BYTES) return jsonError(413, -32000, `request body over ${MAX_BODY_BYTES} bytes`);
    const raw = await req.text();
    if (raw.length > MAX_BODY_BYTES) return jsonError(413, -32000, `request body over ${MAX_BODY_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return jsonError(400, -32700, "Parse error: the body is not JSON");
    }
    note(caller, body);
    const [{ McpServer }, { WebStandardStreamableHTTPServerTransport }] = await Promise.all([
      loadSdk(),
      (transportModule ??= import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js")),
    ]);
    pool ??= new ToolServerPool(
      (c) => buildToolServer(McpServer, { caller: c, ports: opts.ports(), log }),
      (c) => c.kind === "operator" || opts.secrets.has(c.handle),
      log,
    );
    return pool.with(caller, async (server) => {
      // JSON responses: the reply is complete when handleRequest resolves, so the server can be closed (and pooled)
      // right after, and no SSE stream is left for an idle timer to cut.
      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      await server.connect(transport);
      const clientId = caller.kind === "session" ? caller.handle : "operator";
      return transport.handleRequest(req, { parsedBody: body, authInfo: { token: "", clientId, scopes: [] } });
    });
  }

  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // Bun's default 10 s idle timeout would cut a long tool call.
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname !== MCP_PATH) return new Response("not found\n", { status: 404 });
      // Browsers always send Origin; MCP CLIs do not. Refusing it keeps web pages (DNS rebinding) out.
      if (req.headers.has("origin")) return jsonError(403, -32000, "Forbidden: cross-origin requests are refused");
      const caller = opts.secrets.resolve(bearerSecret(req.headers.get("authorization")));
      if (!caller) {
        // Not logged: a CLI's last request racing its session's close lands here too. A CLI that never gets in is
        // reported by the missing-tools check instead.
        refused++;
        return jsonError(401, -32001, "Unauthorized: a valid aegis session secret is required", { "WWW-Authenticate": 'Bearer realm="aegis"' });
      }
      if (req.method !== "POST") return jsonError(405, -32000, "Method not allowed: this server is stateless, use POST", { Allow: "POST" });
      try {
        return await answer(req, caller);
      } catch (err) {
        log(`aegis mcp: request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return jsonError(500, -32603, "Internal error");
      }
    },
  });

  const port = server.port;
  if (port === undefined) throw new AegisError("E_INTERNAL", "the MCP plane's server did not report a port");
  return {
    url: `http://127.0.0.1:${port}${MCP_PATH}`,
    port,
    get refused() {
      return refused;
    },
    contact: (handle) => contacts.get(handle),
    forget(handle) {
      contacts.delete(handle);
      pool?.drop(handle);
    },
    stop: () => server.stop(true),
  };
}
