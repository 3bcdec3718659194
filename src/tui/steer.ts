// Steering from the UI: the same verbs the CLI has, each reaching the session, task or run wherever it lives.
// Messages go into the session's inbox as `user` (what `aegis ask` sends; the host collects rows for sessions it
// holds); an interrupt goes through a control row to whichever process hosts the session (session/control.ts); cancel
// and answer use the serve when one runs, else the database (serve/verbs.ts, workflow/send-to-run.ts). Sessions the
// UI spawns are hosted by the UI's own runtime, created on first use and closed with the UI. It never draws.

import type { LoadedConfig } from "../config/validate.ts";
import type { CancelResult } from "../queue/cancel.ts";
import type { Runtime } from "../runtime.ts";
import { dirname } from "node:path";
import { statePath } from "../runtime.ts";
import { connectServe, type ServeClient } from "../serve/client.ts";
import { verbsFor } from "../serve/verbs.ts";
import { AegisError } from "../util/errors.ts";
import type { Delivery } from "../session/sender.ts";
import type { RunView } from "../workflow/run-status.ts";
import { deliverAnswer } from "../workflow/send-to-run.ts";
import type { LiveFeed } from "./source/db-source.ts";
import type { StreamedRow } from "./source/transcript-merge.ts";

export interface Steering {
  /** Puts `text` in the session's inbox from the user; it lands now if the session is idle, else after its turn. */
  send(handle: string, text: string): Promise<Delivery>;
  /** Interrupts the session's running turn: here directly, in another process through its inbox. */
  interrupt(handle: string): Promise<"here" | "requested">;
  /**
   * Starts a session of `agent`, hosted by this process (it ends with the UI) or by the running serve (it outlives
   * the UI); with a prompt it starts working on it.
   */
  spawn(agent: string, prompt?: string, host?: "here" | "serve"): Promise<{ handle: string; id: string }>;
  /** Closes a session started from a UI: one this process hosts, or one the serve hosts for a user. */
  closeSession(handle: string): Promise<void>;
  cancelTask(taskId: string): Promise<CancelResult>;
  cancelRun(runId: string): Promise<RunView>;
  /** Answers the question a parked run asks (key optional: the run's own question). */
  answer(runId: string, value: string, key?: string): Promise<{ via: "serve" | "local"; key: string }>;
  /** Handles of the sessions this process hosts (they end when the UI quits). */
  hosted(): string[];
  /**
   * The rows of a session this process hosts as they are buffered, before they are written (for the data source:
   * `openDataSource(config, { localFeed: steering.feed })`), so the UI's own sessions stream without delay.
   */
  feed: LiveFeed;
  /** Closes the sessions this process hosts. */
  close(): Promise<void>;
}

export interface SteeringOptions {
  config: LoadedConfig;
  cwd: string;
  /** How long cancel waits for another process to stop a worker or run before answering "requested". */
  cancelWaitMs?: number;
  /** For tests: the runtime to host sessions in (default: created on first use). */
  runtime?: Runtime;
}

export function createSteering(o: SteeringOptions): Steering {
  let rt: Runtime | Promise<Runtime> | undefined = o.runtime;
  const mine = new Set<string>();
  const feeds = new Map<string, Set<(row: StreamedRow) => void>>();
  // Rows of this runtime's sessions, to whoever follows that session (attached once the runtime exists).
  const attachFeed = (r: Runtime) => r.sessions.onRows((e) => {
    for (const fn of feeds.get(e.sessionId) ?? []) fn(e.row);
  });
  const runtime = async (): Promise<Runtime> => {
    rt ??= (async () => {
      const { startRuntime } = await import("../runtime.ts");
      // Serves no queue; its watch (1 s) collects inbox and control rows other processes write for our sessions.
      const r = await startRuntime({ config: o.config, cwd: o.cwd, queues: { serve: [], pollMs: 250 } });
      await r.queues.start();
      attachFeed(r);
      return r;
    })();
    return rt;
  };
  if (o.runtime) attachFeed(o.runtime);
  const waitMs = o.cancelWaitMs ?? 3000;
  const serveClient = async (closing?: string): Promise<ServeClient> => {
    const client = process.env.AEGIS_NO_SERVE === "1" ? undefined : await connectServe(dirname(statePath(o.config)));
    if (client) return client;
    throw closing
      ? new AegisError("E_USAGE", `${closing} runs in another aegis process, which closes it when its work is done`, {
        hint: "only sessions started from a UI (n here, N in aegis serve) are closed from it; cancel the run or task instead",
      })
      : new AegisError("E_USAGE", "no aegis serve runs for this project to host the session", { hint: "start one (aegis serve), or use n to host it in this UI" });
  };
  return {
    async send(handle, text) {
      return (await runtime()).sessions.deliver(handle, { from: "user", body: text });
    },
    async interrupt(handle) {
      return (await runtime()).sessions.requestInterrupt(handle);
    },
    async spawn(agent, prompt, host = "here") {
      if (host === "serve") {
        const client = await serveClient();
        return client.call<{ handle: string; id: string }>("sessions.spawn", { agent, ...(prompt !== undefined ? { prompt } : {}) });
      }
      const s = await (await runtime()).sessions.spawn(agent, { spawnedBy: "user", ...(prompt !== undefined ? { prompt } : {}) });
      mine.add(s.handle);
      return { handle: s.handle, id: s.id };
    },
    async closeSession(handle) {
      if (mine.has(handle)) {
        await (await runtime()).sessions.close(handle);
        mine.delete(handle);
        return;
      }
      await (await serveClient(handle)).call("sessions.close", { handle });
    },
    async cancelTask(taskId) {
      return (await verbsFor(o.config, o.cwd)).verbs.cancelTask(taskId, waitMs);
    },
    async cancelRun(runId) {
      return (await verbsFor(o.config, o.cwd)).verbs.cancelRun(runId, waitMs);
    },
    async answer(runId, value, key) {
      const r = await deliverAnswer(o.config, runId, key, value);
      return { via: r.via, key: r.key ?? key ?? "" };
    },
    hosted: () => [...mine],
    feed(sessionId, onRow) {
      let set = feeds.get(sessionId);
      if (!set) feeds.set(sessionId, (set = new Set()));
      set.add(onRow);
      return () => {
        set.delete(onRow);
        if (set.size === 0) feeds.delete(sessionId);
      };
    },
    async close() {
      if (rt === undefined || o.runtime) return;
      await (await rt).close();
    },
  };
}
