// The shape of one MCP tool: its name, the description an agent reads, a zod input schema, and a body that gets the
// validated arguments and the authenticated caller. Bodies return plain values or throw AegisError; they never
// build MCP results themselves (tool-result.ts does) and never read an identity from their arguments.

import { z } from "zod";
import type { Caller } from "./identity.ts";
import type { PlanePorts } from "./ports.ts";

export interface ToolContext {
  /** Who is calling, derived from the secret (or the operator over stdio). */
  caller: Caller;
  ports: PlanePorts;
  /** Where unexpected failures are logged (stderr). */
  log?: (line: string) => void;
}

export interface ToolDef<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  description: string;
  input: S;
  /** True for tools that only read. */
  readOnly?: boolean;
  run(args: z.output<z.ZodObject<S>>, ctx: ToolContext): unknown;
}

/** Identity helper that keeps the argument types of `run` tied to `input`. */
export function defineTool<S extends z.ZodRawShape>(def: ToolDef<S>): ToolDef<S> {
  return def;
}

export { notFound } from "../util/errors.ts";

/** The caller's own session handle; tools that need an inbox or a peer identity refuse the operator with this. */
export function handleOf(caller: Caller): string | undefined {
  return caller.kind === "session" ? caller.handle : undefined;
}

/** Common argument schemas, so every tool names things the same way. */
export const arg = {
  handle: () => z.string().trim().min(1, "a session handle is required").max(100),
  name: () => z.string().trim().min(1, "a name is required").max(200),
  id: (kind: string) => z.string().trim().min(1, `a ${kind} id is required`).max(200),
  text: (what: string) => z.string().min(1, `${what} must not be empty`),
};
