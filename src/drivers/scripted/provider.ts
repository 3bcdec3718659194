// The built-in Scripted agent's entry in the provider table, and the public Scripted class. It runs in-process
// (scripted-driver.ts, imported only when a session starts): no CLI, no account, nothing to install.

import { z } from "zod";
import { keepUnknownOptions, PermissionSchema, type Permission } from "../../config/provider-options.ts";
import { defineProvider } from "../provider-spec.ts";

/** A tool call the Scripted agent pretends to make during a turn. */
export interface ScriptedToolCall {
  name: string;
  input?: unknown;
  /** The tool's output as the agent saw it. */
  output?: string;
  ok?: boolean;
}

/** What a Scripted reply function returns: the text, or the text plus tool calls made before it. */
export type ScriptedReply = string | { text: string; toolCalls?: ScriptedToolCall[]; isError?: boolean };

export interface ScriptedContext {
  /** The session's handle. */
  handle: string;
  /** 1 for the first turn of the session, then 2, 3, … */
  turn: number;
  /** The conversation id, stable across turns and resume (key your own per-conversation state by it). */
  sessionId: string;
  /** Aborted when the turn is interrupted. */
  signal: AbortSignal;
  /** The session's working directory: its own git worktree under `isolation: "worktree"`, else the project root. */
  cwd: string;
}

/** Produces the agent's reply to each user turn. */
export type ScriptedReplyFn = (prompt: string, ctx: ScriptedContext) => ScriptedReply | Promise<ScriptedReply>;

export const ScriptedOptionsSchema = z.strictObject({
  reply: z.custom<ScriptedReplyFn>((v) => typeof v === "function", { message: "must be a function" })
    .meta({ tsType: "ScriptedReplyFn" })
    .describe("Produces the agent's reply to each user turn: (prompt, ctx) => string | { text, toolCalls? } | a Promise of either."),
  delayMs: z.number().int().min(0).optional().describe("Pause before replying, to simulate a slow agent."),
  usage: z.strictObject({
    input: z.number().min(0).optional(),
    output: z.number().min(0).optional(),
    costUsd: z.number().min(0).optional(),
  }).optional().describe("Tokens reported per turn (for budgets and summaries); default: word counts."),
  permission: PermissionSchema.optional()
    .describe("Always `full`: a scripted agent touches nothing. Accepted for symmetry with the other providers."),
  model: z.string().optional().describe('The model name it reports; default "scripted".'),
});
/** The options of `new Scripted({...})`. */
export type ScriptedOptions = z.input<typeof ScriptedOptionsSchema>;

/** A deterministic built-in agent that needs no account: for demos and for testing your own workflows. */
export class Scripted {
  readonly name = "scripted" as const;
  readonly model: string;
  readonly permission: Permission;
  readonly reply: ScriptedReplyFn;
  readonly delayMs?: number;
  readonly usage?: ScriptedOptions["usage"];
  constructor(o: ScriptedOptions) {
    this.reply = o?.reply;
    this.model = o?.model ?? "scripted";
    this.permission = o?.permission ?? scriptedProvider.defaultPermission;
    if (o?.delayMs !== undefined) this.delayMs = o.delayMs;
    if (o?.usage !== undefined) this.usage = o.usage;
    keepUnknownOptions(this, o, Object.keys(ScriptedOptionsSchema.shape));
  }
}

export const scriptedProvider = defineProvider({
  name: "scripted",
  label: "Scripted",
  cls: Scripted,
  className: "Scripted",
  options: ScriptedOptionsSchema,
  flat: false,
  defaultPermission: "full",
  // Not enforced: the reply function is the user's own code, run in aegis's process (it may write in ctx.cwd).
  permissions: {
    read: "not enforced: the reply function is your own code, run inside aegis",
    write: "not enforced: the reply function is your own code, run inside aegis",
    full: "not enforced: the reply function is your own code, run inside aegis",
    auto: "not enforced: the reply function is your own code, run inside aegis",
  },
  driver: async () => (await import("./scripted-driver.ts")).scriptedDriver,
});
