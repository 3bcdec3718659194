// The MCP plane as the session layer sees it: `attach(handle)` mints the session's secret and returns the http MCP
// server spec (URL plus `Authorization: Bearer <secret>`) and a short system-prompt addition; `detach(handle)`
// revokes the secret. One plane per aegis process; its HTTP server starts on the first attach, and the MCP SDK is
// loaded on the first request, so a process that spawns no session pays nothing. It must not spawn or close
// sessions itself; the tools reach the runtime only through PlanePorts.

import type { McpServerSpec } from "../drivers/driver.ts";
import type { PlaneAttachOptions } from "../session/manager.ts";
import { AegisError } from "../util/errors.ts";
import { startHttpPlane, type Contact, type HttpPlane } from "./http-server.ts";
import { SecretTable } from "./identity.ts";
import type { PlanePorts } from "./ports.ts";

/** The name the server is registered under in every CLI (tools show up as e.g. `mcp__aegis__aegis_meta`). */
export const PLANE_SERVER_NAME = "aegis";

export interface PlaneAttachment {
  mcpServers: McpServerSpec[];
  systemPrompt: string;
}

/** The hook SessionManager calls around each session's life. */
export interface SessionPlane {
  attach(handle: string, opts?: PlaneAttachOptions): PlaneAttachment;
  detach(handle: string): void;
}

export interface McpPlane extends SessionPlane {
  /** The server's URL once started (after the first attach). */
  readonly url: string | undefined;
  /** What the server has seen from a session: has its CLI connected and listed the tools? */
  contact(handle: string): Contact | undefined;
  /** How many requests the server refused for want of a valid secret. */
  readonly refused: number;
  /**
   * Resolves true once the session's CLI has listed the plane's tools, false after `timeoutMs`. A CLI given a
   * wrong secret or an unreachable URL starts anyway without the tools, so this is how aegis notices.
   */
  waitForTools(handle: string, timeoutMs: number): Promise<boolean>;
  /** Stops the server and forgets every secret. */
  close(): Promise<void>;
}

export interface PlaneOptions {
  /** The runtime the tools act on; resolved per request (the plane exists before the runtime is complete). */
  ports: () => PlanePorts;
  log?: (line: string) => void;
}

/**
 * The system-prompt addition that tells an agent who it is and where the tools are, and, unless it works in a git
 * worktree of its own, to claim files before editing them in the tree it shares with its peers.
 */
export function planePrompt(handle: string, opts: PlaneAttachOptions = {}): string {
  return [
    `You are ${handle}, one session in an aegis team of coding agents.`,
    `aegis gives you MCP tools named aegis_* (server "${PLANE_SERVER_NAME}"): call aegis_meta first to learn who your peers are, ` +
      "how to hand off work, enqueue tasks and run workflows, and how the `> from …` headers on incoming messages read.",
    opts.isolated
      ? "You work in a git worktree of your own: peers do not see your changes until they are merged, so you need no claims."
      : "Peers may edit the same files as you: before changing files, claim them with aegis_claim " +
        "(exclusive to edit) and release them when done; if it is not granted, do not edit them.",
  ].join("\n");
}

export function createMcpPlane(opts: PlaneOptions): McpPlane {
  const secrets = new SecretTable();
  let http: HttpPlane | undefined;
  let closed = false;
  const waiters = new Map<string, Set<(ok: boolean) => void>>();

  function wake(handle: string, ok: boolean): void {
    for (const w of waiters.get(handle) ?? []) w(ok);
    waiters.delete(handle);
  }

  function server(): HttpPlane {
    if (closed) throw new AegisError("E_STATE", "the MCP plane is closed");
    http ??= startHttpPlane({ secrets, ports: opts.ports, log: opts.log, onToolsListed: (h) => wake(h, true) });
    return http;
  }

  return {
    get url() {
      return http?.url;
    },
    attach(handle, attachOpts) {
      const { url } = server();
      const secret = secrets.mint(handle);
      http?.forget(handle);
      return {
        mcpServers: [{ type: "http", name: PLANE_SERVER_NAME, url, headers: { Authorization: `Bearer ${secret}` } }],
        systemPrompt: planePrompt(handle, attachOpts),
      };
    },
    detach(handle) {
      secrets.revoke(handle);
      http?.forget(handle);
      wake(handle, false);
    },
    get refused() {
      return http?.refused ?? 0;
    },
    contact: (handle) => http?.contact(handle),
    waitForTools(handle, timeoutMs) {
      if (http?.contact(handle)?.toolsListedAt !== undefined) return Promise.resolve(true);
      if (closed) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const set = waiters.get(handle) ?? new Set();
        const done = (ok: boolean) => {
          clearTimeout(timer);
          set.delete(done);
          resolve(ok);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        set.add(done);
        waiters.set(handle, set);
      });
    },
    async close() {
      closed = true;
      for (const h of secrets.handles()) secrets.revoke(h);
      for (const h of [...waiters.keys()]) wake(h, false);
      await http?.stop();
      http = undefined;
    },
  };
}
