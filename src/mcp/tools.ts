// The plane's tool list and its registration on an MCP SDK server. Every tool body runs through runTool, so a
// throw becomes an MCP tool error and never reaches the transport. The SDK is loaded lazily (loadSdk), so importing
// this file costs nothing until a server is built.

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { VERSION } from "../version.ts";
import { runTool } from "./tool-result.ts";
import type { ToolContext, ToolDef } from "./tool-def.ts";
import { claimTool, claimsTool, releaseTool } from "./tools/claims.ts";
import { listAgentsTool, listSessionsTool, metaTool } from "./tools/orient.ts";
import { handoffTool, spawnTool } from "./tools/peers.ts";
import { cancelTool, enqueueTool, taskStatusTool } from "./tools/queues.ts";
import { runWorkflowTool, workflowStatusTool } from "./tools/workflows.ts";
import { runDynamicWorkflowTool } from "./tools/dynamic-workflow.ts";
import { signalTool } from "./tools/signal.ts";
import { schedulesTool } from "./tools/schedules.ts";
import { broadcastTool, dissolveTool, gatherTool, groupSpawnTool, groupStatusTool } from "./tools/groups.ts";

let tools: readonly ToolDef<any>[] | undefined;

/** Every tool of the plane, in the order aegis_meta lists them. */
export function planeTools(): readonly ToolDef<any>[] {
  tools ??= [
    metaTool(() => planeTools()),
    listSessionsTool,
    listAgentsTool,
    spawnTool,
    handoffTool,
    enqueueTool,
    taskStatusTool,
    cancelTool,
    runWorkflowTool,
    workflowStatusTool,
    runDynamicWorkflowTool,
    signalTool,
    claimTool,
    releaseTool,
    claimsTool,
    schedulesTool,
    groupSpawnTool,
    broadcastTool,
    gatherTool,
    groupStatusTool,
    dissolveTool,
  ];
  return tools;
}

export type McpSdk = {
  McpServer: typeof McpServer;
};

let sdk: Promise<McpSdk> | undefined;

/** Imports the MCP SDK's server once, on first use. */
export function loadSdk(): Promise<McpSdk> {
  sdk ??= import("@modelcontextprotocol/sdk/server/mcp.js").then((m) => ({ McpServer: m.McpServer }));
  return sdk;
}

export const SERVER_INFO = { name: "aegis", version: VERSION } as const;

const INSTRUCTIONS = "aegis's team plane: call aegis_meta first; it tells you who you are and what each tool does.";

/** A fresh SDK server carrying every plane tool, bound to one caller. */
export function buildToolServer(Server: typeof McpServer, ctx: ToolContext): McpServer {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  for (const t of planeTools()) {
    server.registerTool(
      t.name,
      { description: t.description, inputSchema: t.input, annotations: { readOnlyHint: t.readOnly ?? false, openWorldHint: false } },
      (args: unknown) => runTool(() => t.run(args as never, ctx), ctx.log),
    );
  }
  return server;
}
