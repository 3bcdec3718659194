// The client role of ACP over a JsonRpcConnection: the calls aegis makes (initialize, session/new, session/load,
// session/set_mode, set_model and set_config_option, session/prompt, session/cancel) and the answers it gives to the
// agent's requests. It advertises no filesystem and no terminal capability, so `fs/*` and `terminal/*` get
// method-not-found. It owns no process and no policy: the permission answer and the handling of updates are the
// session's, passed in as callbacks.

import pkg from "../../../package.json" with { type: "json" };
import { z } from "zod";
import { AegisError } from "../../util/errors.ts";
import type { McpServerSpec } from "../driver.ts";
import { JsonRpcConnection, RpcMethodError, UNCHECKED, type LineTransport } from "./connection.ts";
import {
  ACP_PROTOCOL_VERSION, InitializeResult, LoadSessionResult, NewSessionResult, PromptResult, RPC_METHOD_NOT_FOUND,
  RequestPermissionParams, SessionUpdateParams, type AcpMcpServer, type PermissionOutcome,
} from "./wire.ts";
import { isPromptResult } from "./wire-check.ts";

export interface AcpClientOptions {
  transport: LineTransport;
  /** Timeout of every request except `session/prompt`, whose length the session's idle watchdog bounds. */
  requestTimeoutMs?: number;
  /** Receives each validated `session/update` (its `update` object) in arrival order. */
  onUpdate: (sessionId: string, update: unknown) => void;
  /** Answers `session/request_permission`. */
  onPermission: (params: RequestPermissionParams) => Promise<PermissionOutcome>;
  onDiagnostic?: (message: string) => void;
}

export class AcpClient {
  readonly connection: JsonRpcConnection;
  private readonly timeoutMs: number;

  constructor(private readonly opts: AcpClientOptions) {
    this.timeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.connection = new JsonRpcConnection(opts.transport, {
      defaultTimeoutMs: this.timeoutMs,
      onRequest: (method, params) => this.handleRequest(method, params),
      onNotification: (method, params) => this.handleNotification(method, params),
      ...(opts.onDiagnostic ? { onDiagnostic: opts.onDiagnostic } : {}),
    });
  }

  /** Starts reading the agent's output; resolves when it ends. */
  start(): Promise<void> {
    return this.connection.start();
  }

  initialize(): Promise<InitializeResult> {
    return this.connection.request("initialize", {
      protocolVersion: ACP_PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
      clientInfo: { name: "aegis", title: "aegis", version: pkg.version },
    }, InitializeResult);
  }

  newSession(cwd: string, mcpServers: McpServerSpec[]): Promise<NewSessionResult> {
    return this.connection.request("session/new", { cwd, mcpServers: toAcpMcpServers(mcpServers) }, NewSessionResult);
  }

  loadSession(sessionId: string, cwd: string, mcpServers: McpServerSpec[]): Promise<LoadSessionResult> {
    return this.connection.request("session/load", { sessionId, cwd, mcpServers: toAcpMcpServers(mcpServers) }, LoadSessionResult);
  }

  /** Switches the session to one of the modes it advertised. */
  async setMode(sessionId: string, modeId: string): Promise<void> {
    await this.connection.request("session/set_mode", { sessionId, modeId }, z.unknown());
  }

  /** Sets one of the session's config options (e.g. `model`) to one of its advertised values. */
  async setConfigOption(sessionId: string, configId: string, value: string): Promise<void> {
    await this.connection.request("session/set_config_option", { sessionId, configId, value }, z.unknown());
  }

  /** Picks one of the models the session advertised (ACP's unstable `session/set_model`). */
  async setModel(sessionId: string, modelId: string): Promise<void> {
    await this.connection.request("session/set_model", { sessionId, modelId }, z.unknown());
  }

  /** One user turn (ACP content blocks). No timer of its own: the session interrupts, then kills, a quiet turn. */
  async prompt(sessionId: string, prompt: unknown[]): Promise<PromptResult> {
    const result: unknown = await this.connection.request("session/prompt", { sessionId, prompt }, UNCHECKED, { timeoutMs: 0 });
    // Once per turn: the hand check, then zod for anything it refuses (and to say why).
    if (isPromptResult(result)) return result;
    const parsed = PromptResult.safeParse(result);
    if (parsed.success) return parsed.data;
    throw new AegisError("E_PROTOCOL", `invalid session/prompt result: ${parsed.error.message}`, { data: { method: "session/prompt" } });
  }

  cancel(sessionId: string): void {
    this.connection.notify("session/cancel", { sessionId });
  }

  /** Rejects every pending and later call with `reason` (the process is gone). */
  close(reason: Error): void {
    this.connection.close(reason);
  }

  private async handleRequest(method: string, params: unknown): Promise<unknown> {
    if (method === "session/request_permission") {
      const p = RequestPermissionParams.parse(params);
      return { outcome: await this.opts.onPermission(p) };
    }
    // fs/*, terminal/* and anything else: we advertised no such capability.
    throw new RpcMethodError(RPC_METHOD_NOT_FOUND, `method not found: ${method}`);
  }

  private handleNotification(method: string, params: unknown): void {
    if (method !== "session/update") {
      this.opts.onDiagnostic?.(`ignored notification ${method}`);
      return;
    }
    // SessionUpdateParams's schema as a hand check on the hot path; zod explains a refusal.
    const p = params as { sessionId?: unknown; update?: { sessionUpdate?: unknown } } | null;
    const u = p?.update;
    if (typeof p !== "object" || p === null || typeof p.sessionId !== "string" || typeof u !== "object" || u === null || Array.isArray(u) || typeof u.sessionUpdate !== "string") {
      const err = SessionUpdateParams.safeParse(params).error;
      this.opts.onDiagnostic?.(`invalid session/update: ${err?.message ?? "not an object"}`);
      return;
    }
    this.opts.onUpdate(p.sessionId, u);
  }
}

/** aegis's MCP server specs in ACP's shape: headers and env become name/value lists (required, even when empty). */
export function toAcpMcpServers(specs: McpServerSpec[]): AcpMcpServer[] {
  return specs.map((s) => {
    if (s.type === "http") {
      return { type: "http", name: s.name, url: s.url, headers: pairs(s.headers) };
    }
    return { name: s.name, command: s.command, args: s.args ?? [], env: pairs(s.env) };
  });
}

function pairs(record: Record<string, string> | undefined): Array<{ name: string; value: string }> {
  return Object.entries(record ?? {}).map(([name, value]) => ({ name, value }));
}
