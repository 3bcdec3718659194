// The one mapping between aegis outcomes and MCP tool results: a tool's value becomes a text result (JSON for data,
// prose for sentences), and any error a tool throws becomes an MCP tool error (`isError: true`) whose text names
// the problem and its fix. Nothing a tool throws may crash the server or leak a stack trace to an agent; unexpected
// errors are logged here with their stack and reported to the caller as an internal error.
// A JSON result is always an object at the top level: Gemini CLI parses a JSON text result into `structuredContent`,
// which must be a record, and fails the whole call for an array or a scalar (measured with 0.61.0).

import { formatError, isAegisError, errorMessage } from "../util/errors.ts";

/** The shape of an MCP `tools/call` result, as the SDK expects it from a tool callback. */
export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: "text"; text: string }>;
  isError?: boolean;
}

/** A successful result: prose goes out as it is, data as indented JSON whose top level is an object. */
export function okResult(value: unknown): ToolResult {
  if (typeof value === "string" && !parsesAsNonObjectJson(value)) return { content: [{ type: "text", text: value }] };
  const data = isRecord(value) ? value : { result: value ?? null };
  return { content: [{ type: "text", text: JSON.stringify(data, null, 2) }] };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parsesAsNonObjectJson(s: string): boolean {
  try {
    return !isRecord(JSON.parse(s));
  } catch {
    return false;
  }
}

/** The error text an agent reads: `E_NOT_FOUND: unknown queue "x" (queues: a, b)` plus the hint when there is one. */
export function errorText(err: unknown): string {
  if (isAegisError(err)) return `${err.code}: ${formatError(err)}`;
  return `E_INTERNAL: ${errorMessage(err)}`;
}

/** Turns any thrown error into an MCP tool error result. */
export function errorResult(err: unknown, log?: (line: string) => void): ToolResult {
  if (!isAegisError(err) && log) log(`aegis mcp: unexpected tool failure: ${formatError(err, { stack: true })}`);
  return { content: [{ type: "text", text: errorText(err) }], isError: true };
}

/** Runs a tool body and maps its outcome; never rejects. */
export async function runTool(body: () => unknown, log?: (line: string) => void): Promise<ToolResult> {
  try {
    return okResult(await body());
  } catch (err) {
    return errorResult(err, log);
  }
}
