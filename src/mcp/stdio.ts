// The plane's tools over stdio, for a person's own agent outside aegis (`claude mcp add aegis -- aegis mcp`). The
// caller is always the operator: there is no secret to check because whoever can start this process already owns
// the project. stdout carries only MCP messages; every log line goes to stderr. When the client closes stdin, the
// requests already read are answered before the server closes.

import type { Readable, Writable } from "node:stream";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
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

type RequestId = string | number;

const requestId = (m: JSONRPCMessage): RequestId | undefined => ("id" in m && "method" in m ? m.id : undefined);
const responseId = (m: JSONRPCMessage): RequestId | undefined => ("id" in m && !("method" in m) ? m.id : undefined);

/** Serves the tools over stdio until the client closes stdin (or `signal` aborts). */
export async function serveStdio(opts: StdioOptions): Promise<void> {
  const [{ McpServer }, { StdioServerTransport }] = await Promise.all([loadSdk(), import("@modelcontextprotocol/sdk/server/stdio.js")]);
  const server = buildToolServer(McpServer, { caller: OPERATOR, ports: opts.ports, log: opts.log });
  const transport = new StdioServerTransport(opts.stdin, opts.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  const stdin = opts.stdin ?? process.stdin;
  const pending = new Set<RequestId>();
  let ended = false;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().catch((err: unknown) => opts.log?.(`aegis mcp: closing the stdio server failed: ${String(err)}`));
  };
  const maybeStop = () => {
    if (ended && pending.size === 0) stop();
  };
  // The SDK's stdio transport does not notice end of input; the client closing its end is how a session ends.
  const onEnd = () => {
    ended = true;
    maybeStop();
  };
  stdin.once("end", onEnd);
  stdin.once("close", onEnd);
  opts.signal?.addEventListener("abort", stop, { once: true });
  // Count requests in and responses out, so end of input waits for the answers it is owed. The SDK chains an
  // `onmessage` already set on the transport before its own, so this sees every request first.
  transport.onmessage = (m) => {
    const id = requestId(m);
    if (id !== undefined) pending.add(id);
  };
  const send = transport.send.bind(transport);
  transport.send = async (m: JSONRPCMessage) => {
    await send(m);
    const id = responseId(m);
    if (id !== undefined && pending.delete(id)) maybeStop();
  };
  try {
    await server.connect(transport);
    opts.log?.("aegis mcp: serving the aegis tools on stdio as the operator");
    await closed;
  } finally {
    stdin.off("end", onEnd);
    stdin.off("close", onEnd);
    opts.signal?.removeEventListener("abort", stop);
  }
}
