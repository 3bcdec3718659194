// The plane as a runtime plugs it in: a `Plane` for SessionManager that loads the MCP plane (server, tools, workflow
// port, the project's workflow files) on the first session spawn, so a runtime that spawns nothing never loads it.
// After each CLI session's first turn it checks that the CLI really listed the tools — a wrong secret or an
// unreachable server makes the CLIs start silently without them — and warns naming the session. This file stays
// tiny: everything heavy is imported lazily.

import type { Plane, PlaneAttachOptions } from "../session/manager.ts";
import { AegisError, formatError } from "../util/errors.ts";
import type { WorkflowHost } from "../workflow/runner.ts";
import type { McpPlane, PlaneAttachment } from "./plane.ts";

export interface RuntimePlane extends Plane {
  attach(handle: string, opts?: PlaneAttachOptions): Promise<PlaneAttachment>;
  /** The loaded plane, once a session has been spawned. */
  readonly loaded: McpPlane | undefined;
  /** Stops the server and revokes every secret. Idempotent. */
  close(): Promise<void>;
}

export interface RuntimePlaneOptions {
  /** Warnings and failures (stderr); never a secret. */
  log?: (line: string) => void;
}

/** A plane for the runtime `host()` returns (called on first spawn, when the runtime is complete). */
export function runtimePlane(host: () => WorkflowHost, opts: RuntimePlaneOptions = {}): RuntimePlane {
  const log = opts.log ?? (() => {});
  let loading: Promise<McpPlane> | undefined;
  let loaded: McpPlane | undefined;
  let closed = false;
  const checked = new Set<string>();

  async function load(): Promise<McpPlane> {
    const [{ createMcpPlane }, { portsFromRuntime }, { workflowsPort }, { loadConfigWorkflows }] = await Promise.all([
      import("./plane.ts"), import("./plane-ports.ts"), import("./workflow-port.ts"), import("../workflow/loader.ts"),
    ]);
    const h = host();
    // Agents may start the project's workflows from any aegis process (ask, work, run), so the registry is filled
    // here; a broken workflow file must not stop sessions from starting, only hide the workflows.
    try {
      await loadConfigWorkflows(h.config);
    } catch (err) {
      log(`aegis mcp: the project's workflows could not be loaded, so agents cannot start them: ${formatError(err)}`);
    }
    const ports = portsFromRuntime({ config: h.config, sessions: h.sessions, queues: h.queues, workflows: workflowsPort(h, log) });
    const plane = createMcpPlane({ ports: () => ports, log });
    h.sessions.on((e) => {
      if (e.type !== "event" || e.event.type !== "turn_end" || checked.has(e.handle)) return;
      checked.add(e.handle);
      checkTools(h, plane, e.handle, log);
    });
    loaded = plane;
    return plane;
  }

  return {
    get loaded() {
      return loaded;
    },
    async attach(handle, opts) {
      if (closed) throw new AegisError("E_STATE", "the MCP plane is closed");
      const plane = await (loading ??= load());
      checked.delete(handle);
      return plane.attach(handle, opts);
    },
    detach(handle) {
      loaded?.detach(handle);
    },
    async close() {
      closed = true;
      if (loading) await (await loading).close();
    },
  };
}

/** Warns when a CLI session ended a turn without ever listing the plane's tools. Scripted agents are exempt. */
function checkTools(h: WorkflowHost, plane: McpPlane, handle: string, log: (line: string) => void): void {
  const agent = h.sessions.get(handle)?.agent;
  const provider = agent ? h.config.agents[agent]?.provider.name : undefined;
  if (!provider || provider === "scripted") return;
  if (plane.contact(handle)?.toolsListedAt !== undefined) return;
  log(`aegis mcp: session ${handle} (${provider}) finished a turn without loading aegis's MCP tools: ` +
    "its CLI could not reach the plane or refused it, so it cannot see its peers, hand off or enqueue");
}
