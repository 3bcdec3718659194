// Idle SDK tool servers, kept per caller between stateless requests. Building a server (ten tools, their zod
// schemas) costs more than the whole tool call it answers and makes garbage that shows up as tail latency; an SDK
// server can be connected to a fresh transport once the last one is closed, so each request borrows one bound to its
// caller and gives it back. A server is only ever reused for the same caller, and a caller's servers are dropped when
// its secret is revoked. It must not decide who a caller is.

import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Caller } from "./identity.ts";

/** Idle servers kept per caller: enough for the few requests a CLI has in flight at once. */
const IDLE_PER_CALLER = 4;

function keyOf(caller: Caller): string {
  return caller.kind === "session" ? `session:${caller.handle}` : "operator";
}

export class ToolServerPool {
  private readonly idle = new Map<string, McpServer[]>();

  constructor(
    private readonly build: (caller: Caller) => McpServer,
    /** Whether a caller may still be served; a server finishing after its caller was revoked is not kept. */
    private readonly live: (caller: Caller) => boolean,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Runs `fn` with a server bound to `caller`; the server is closed afterwards and kept for the next request. */
  async with<T>(caller: Caller, fn: (server: McpServer) => Promise<T>): Promise<T> {
    const key = keyOf(caller);
    const server = this.idle.get(key)?.pop() ?? this.build(caller);
    try {
      return await fn(server);
    } finally {
      await this.giveBack(caller, key, server);
    }
  }

  /** Forgets a session's idle servers (its secret was revoked). */
  drop(handle: string): void {
    this.idle.delete(keyOf({ kind: "session", handle }));
  }

  /** How many idle servers a caller has (for tests). */
  size(caller: Caller): number {
    return this.idle.get(keyOf(caller))?.length ?? 0;
  }

  private async giveBack(caller: Caller, key: string, server: McpServer): Promise<void> {
    try {
      await server.close();
    } catch (err) {
      // A server that would not close cleanly is not reused; the request it served has already been answered.
      this.log(`aegis mcp: closing a tool server failed: ${String(err)}`);
      return;
    }
    if (!this.live(caller)) return;
    const list = this.idle.get(key) ?? [];
    if (list.length < IDLE_PER_CALLER) list.push(server);
    this.idle.set(key, list);
  }
}
