// Which of aegis's MCP servers an ACP agent can take, by the `mcpCapabilities` its initialize result advertises: every
// ACP agent takes stdio servers; HTTP and SSE ones only when it says so (ACP: both default to false). aegis's own
// plane is an HTTP server with a per-session secret; it has no stdio bridge that keeps the caller's identity
// (`aegis mcp` serves the operator), so an agent without HTTP support runs without it, and the user is told.
// Decides and warns only: it sends nothing.

import { logger } from "../../ui/log.ts";
import type { McpServerSpec } from "../driver.ts";
import type { InitializeResult } from "./wire.ts";

/** The servers the agent can take; the others are named in one warning. */
export function mcpServersFor(init: InitializeResult, specs: McpServerSpec[], label: string, warn = (m: string) => logger().warn(m)): McpServerSpec[] {
  const http = init.agentCapabilities?.mcpCapabilities?.http === true;
  if (http) return specs;
  const dropped = specs.filter((s) => s.type === "http");
  if (dropped.length === 0) return specs;
  warn(
    `${label} does not accept HTTP MCP servers (its initialize result has no mcpCapabilities.http), so ${dropped.map((s) => `"${s.name}"`).join(", ")} ` +
      `${dropped.length === 1 ? "is" : "are"} not given to it: aegis's tools (aegis_spawn, aegis_enqueue, …) are unavailable to this agent`,
  );
  return specs.filter((s) => s.type !== "http");
}
