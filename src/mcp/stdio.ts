// The plane's tools over stdio, for a person's own agent outside aegis (`claude mcp add aegis -- aegis mcp`). The
// caller is always the operator: there is no secret to check because whoever can start this process already owns
// the project. stdout carries only MCP messages; every log line goes to stderr.

import type { Readable, Writable } from "node:stream";
import { OPERATOR } from "./identity.ts";
import type { PlanePorts } from "./ports.ts";
import { buildToolServer, loadSdk } from "./tools.ts";

export interface StdioOptions {
  ports: PlanePorts;
  log?: (line: string) => void;
  /** Defaults to the process's own stdin and stdout. */
  stdin?: Readable;
  stdout?: Writable;
  /** Aborting closes the server. */
  signal?: AbortSignal;
}

/** Serves the tools over stdio until the client closes stdin (or `signal` aborts). */
export async function serveStdio(opts: StdioOptions): Promise<void> {
  const [{ McpServer }, { StdioServerTransport }] = await Promise.all([loadSdk(), import("@modelcontextprotocol/sdk/server/stdio.js")]);
  const server = buildToolServer(McpServer, { caller: OPERATOR, ports: opts.ports, log: opts.log });
  const transport = new StdioServerTransport(opts.stdin, opts.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  const stdin = opts.stdin ?? process.stdin;
  // The SDK's stdio transport does not notice end of input; the client closing its end is how a session ends.
  const stop = () => {
    server.close().catch((err: unknown) => opts.log?.(`aegis mcp: closing the stdio server failed: ${String(err)}`));
  };
  const onEnd = stop;
  stdin.once("end", onEnd);
  stdin.once("close", onEnd);
  const onAbort = stop;
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await server.connect(transport);
    opts.log?.("aegis mcp: serving the aegis tools on stdio as the operator");
    await closed;
  } finally {
    stdin.off("end", onEnd);
    stdin.off("close", onEnd);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
