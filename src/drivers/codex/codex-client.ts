// The client role of Codex's app-server protocol over a JsonRpcConnection (the JSON-RPC layer shared with ACP; Codex
// omits the `jsonrpc` member on output: the connection's jsonrpcOptional): the calls aegis makes (initialize + initialized, thread/start,
// thread/resume, turn/start, turn/interrupt, thread/backgroundTerminals/clean) and the routing of Codex's approval
// requests and notifications to the session's callbacks. It owns no process and no policy.

import pkg from "../../../package.json" with { type: "json" };
import { AegisError } from "../../util/errors.ts";
import { JsonRpcConnection, RpcMethodError, UNCHECKED, type LineTransport } from "../acp/connection.ts";
import { RPC_METHOD_NOT_FOUND } from "../acp/wire.ts";
import type { ApprovalRequest } from "./approvals.ts";
import {
  CommandApprovalParams, ElicitationParams, EmptyResult, FileChangeApprovalParams, InitializeResult, PermissionsApprovalParams,
  ThreadResult, TurnStartResult, textInput,
} from "./wire.ts";
import { isTurnStartResult } from "./wire-check.ts";

/** Notifications aegis has no use for, switched off at initialize so they never cross the pipe. */
const OPT_OUT = ["account/rateLimits/updated", "thread/readState/changed", "remoteControl/status/changed"];

export interface CodexClientOptions {
  transport: LineTransport;
  /** Timeout of every request except turn/start's answer (which comes at once) — start-up included. */
  requestTimeoutMs: number;
  onNotification: (method: string, params: unknown) => void;
  /** Answers an approval request; resolves with the JSON-RPC result. */
  onApproval: (req: ApprovalRequest) => Promise<unknown>;
  onDiagnostic?: (message: string) => void;
}

export class CodexClient {
  readonly connection: JsonRpcConnection;

  constructor(private readonly opts: CodexClientOptions) {
    this.connection = new JsonRpcConnection(opts.transport, {
      defaultTimeoutMs: opts.requestTimeoutMs,
      jsonrpcOptional: true,
      onRequest: (method, params) => this.handleRequest(method, params),
      onNotification: opts.onNotification,
      ...(opts.onDiagnostic ? { onDiagnostic: opts.onDiagnostic } : {}),
    });
  }

  /** Starts reading the server's output; resolves when it ends. */
  start(): Promise<void> {
    return this.connection.start();
  }

  async initialize(): Promise<InitializeResult> {
    const result = await this.connection.request("initialize", {
      clientInfo: { name: "aegis", title: "aegis", version: pkg.version },
      // experimentalApi: thread/backgroundTerminals/clean, which stops a command an interrupt left running.
      capabilities: { experimentalApi: true, optOutNotificationMethods: OPT_OUT },
    }, InitializeResult);
    this.connection.notify("initialized", undefined);
    return result;
  }

  threadStart(params: Record<string, unknown>): Promise<ThreadResult> {
    return this.connection.request("thread/start", params, ThreadResult);
  }

  threadResume(threadId: string, params: Record<string, unknown>): Promise<ThreadResult> {
    return this.connection.request("thread/resume", { ...params, threadId }, ThreadResult);
  }

  /**
   * Starts a turn: each text is an input item of its own, the user's last. Answers at once; events follow. No timer of
   * its own: the session's TurnWatchdog interrupts, then stops, a turn that stays quiet (its answer included).
   */
  async turnStart(threadId: string, texts: string[]): Promise<string> {
    const result: unknown = await this.connection.request("turn/start", { threadId, input: texts.map(textInput) }, UNCHECKED, { timeoutMs: 0 });
    // Once per turn: the hand check, then zod for anything it refuses (and to say why).
    if (isTurnStartResult(result)) return result.turn.id;
    const parsed = TurnStartResult.safeParse(result);
    if (parsed.success) return parsed.data.turn.id;
    throw new AegisError("E_PROTOCOL", `invalid turn/start result: ${parsed.error.message}`, { data: { method: "turn/start" } });
  }

  async turnInterrupt(threadId: string, turnId: string): Promise<void> {
    await this.connection.request("turn/interrupt", { threadId, turnId }, EmptyResult);
  }

  /** Stops the commands a thread left running (an interrupted turn does not stop its command on its own). */
  async cleanBackgroundTerminals(threadId: string): Promise<void> {
    await this.connection.request("thread/backgroundTerminals/clean", { threadId }, EmptyResult);
  }

  /** Rejects every pending and later call with `reason` (the process is gone). */
  close(reason: Error): void {
    this.connection.close(reason);
  }

  private handleRequest(method: string, params: unknown): Promise<unknown> {
    switch (method) {
      case "item/commandExecution/requestApproval":
        return this.opts.onApproval({ method, params: CommandApprovalParams.parse(params) });
      case "item/fileChange/requestApproval":
        return this.opts.onApproval({ method, params: FileChangeApprovalParams.parse(params) });
      case "mcpServer/elicitation/request":
        return this.opts.onApproval({ method, params: ElicitationParams.parse(params) });
      case "item/permissions/requestApproval":
        return this.opts.onApproval({ method, params: PermissionsApprovalParams.parse(params) });
      default:
        // Anything else (user-input questions, auth refresh, dynamic tools): aegis offers no such capability.
        throw new RpcMethodError(RPC_METHOD_NOT_FOUND, `method not supported by aegis: ${method}`);
    }
  }
}
