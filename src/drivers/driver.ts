// The driver seam: one normalized event model over every provider CLI. A driver owns one CLI process per session;
// it must never throw out of a turn for a process or protocol failure: those end the turn as an error `turn_end`.
// This file holds only types and tiny helpers, so every layer can import it cheaply.

import type { Permission, Provider } from "../config/providers.ts";

export type ToolKind = "read" | "edit" | "delete" | "move" | "search" | "execute" | "think" | "fetch" | "other";

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface PlanEntry {
  content: string;
  status: "pending" | "in_progress" | "completed";
}

export type AgentEvent =
  | { type: "init"; providerSessionId: string; model?: string }
  | { type: "text"; text: string; messageId?: string }
  | { type: "thinking"; text: string }
  | { type: "tool_call"; id: string; name: string; kind: ToolKind; input: unknown }
  | { type: "tool_result"; id: string; ok: boolean; text: string }
  | { type: "plan"; entries: PlanEntry[] }
  | { type: "usage"; usage: Usage; costUsd?: number }
  | {
      type: "turn_end";
      stopReason: string;
      isError: boolean;
      /** Why the turn failed, for error turns: the CLI's message, plus its stderr tail when the process died. */
      error?: string;
      durationMs: number;
      usage: Usage;
      /** Cost of this turn in USD, where the CLI reports it. */
      costUsd?: number;
    }
  | { type: "unknown"; raw: unknown };

export type AgentEventType = AgentEvent["type"];
export type TurnEnd = Extract<AgentEvent, { type: "turn_end" }>;

/** An MCP server handed to the CLI for this session. */
export type McpServerSpec =
  | { type: "http"; name: string; url: string; headers?: Record<string, string> }
  | { type: "stdio"; name: string; command: string; args?: string[]; env?: Record<string, string> };

/** A permission question a CLI asks mid-turn (ACP `session/request_permission`, Claude `can_use_tool`). */
export interface PermissionRequest {
  toolName: string;
  kind: ToolKind;
  title: string;
  input?: unknown;
}

export interface StartOptions {
  /** Working directory of the CLI process. */
  cwd: string;
  /** The aegis session handle (used in the system prompt and the process tag). */
  handle: string;
  /** MCP servers to inject (aegis's own plane, or test stubs). */
  mcpServers?: McpServerSpec[];
  /** Text appended to the agent's system prompt (handle, persona). */
  systemPrompt?: string;
  /** Resume this provider session id instead of starting fresh. */
  resumeId?: string;
  /**
   * The earlier conversation of this aegis session, rendered as text, for a fresh provider session that replaces one
   * the provider could not resume. Delivered once, with the primer, before the first user text; never glued onto it.
   */
  replay?: string;
  /** A turn with no event for this long is interrupted, then the process killed. Default 600 s. */
  idleTimeoutMs?: number;
  /** Asked for `auto` permission requests; without it (no TTY) such requests are refused. */
  askPermission?: (req: PermissionRequest) => Promise<boolean>;
  /** Extra environment for the process (on top of the provider's own `env`). */
  env?: Record<string, string>;
  /** Aborting closes the session. */
  signal?: AbortSignal;
}

/** One live agent: a CLI process (or the in-process Scripted agent) holding one conversation. */
export interface DriverSession {
  /** The provider's own session id, for resume; known after `start` or the first turn's `init`. */
  readonly providerSessionId: string | undefined;
  /** OS pid of the CLI process, if there is one. */
  readonly pid: number | undefined;
  /** Sends one user turn. The stream yields that turn's events and ends with exactly one `turn_end`. */
  send(text: string): AsyncIterable<AgentEvent>;
  /** Interrupts the running turn (it ends with an error/cancelled `turn_end`); the session stays usable. */
  interrupt(): Promise<void>;
  /** Ends the process and everything it spawned. Idempotent. */
  close(): Promise<void>;
  /** The CLI's recent stderr output (bounded). */
  stderrTail(): string;
}

export interface Driver {
  readonly name: Provider["name"];
  start(provider: Provider, opts: StartOptions): Promise<DriverSession>;
}

export const ZERO_USAGE: Usage = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  return { input: a.input + b.input, output: a.output + b.output, cacheRead: a.cacheRead + b.cacheRead, cacheWrite: a.cacheWrite + b.cacheWrite };
}

const READ_KINDS: ReadonlySet<ToolKind> = new Set(["read", "search", "fetch", "think"]);
const EDIT_KINDS: ReadonlySet<ToolKind> = new Set(["edit", "delete", "move"]);

/** Tool kinds a read-only agent may use; write adds edits; full allows everything. */
export function permissionAllows(permission: Permission, kind: ToolKind): boolean | "ask" {
  switch (permission) {
    case "full": return true;
    case "write": return READ_KINDS.has(kind) || EDIT_KINDS.has(kind);
    case "read": return READ_KINDS.has(kind);
    case "auto": return READ_KINDS.has(kind) ? true : "ask";
  }
}
