// `aegis serve [--grace 30s] [--poll-ms 1000]`: the project's long-running process, in the foreground (systemd and
// containers supervise it; logs go to stderr). One per project: a second one refuses, naming the first's pid. It
// works every queue, serves the MCP plane and the control socket the other verbs use, and on SIGTERM / Ctrl-C stops
// taking work, lets running work finish within --grace, interrupts the rest (resumable) and exits 0.

import { defineCommand } from "citty";
import { AegisError, UsageError } from "../util/errors.ts";
import { parseDuration } from "../workflow/args.ts";
import { configArgs, interrupted, loadConfigFromArgs } from "./context.ts";

export default defineCommand({
  meta: { name: "serve", description: "Run this project's long-running process: queues, runs, MCP plane, control socket (foreground)" },
  args: {
    grace: { type: "string", description: "On SIGTERM, how long running work may finish before it is interrupted (default 30s)", valueHint: "duration" },
    "poll-ms": { type: "string", description: "The queue's safety clock: how often it looks for work it was not told about and, every 5th time, for dead workers to recover; new tasks and freed slots wake it at once (default 1000)", valueHint: "ms" },
    ...configArgs,
  },
  async run({ args }) {
    const graceMs = args.grace === undefined ? 30_000 : parseDuration(args.grace);
    const pollMs = args["poll-ms"] === undefined ? 1000 : Number(args["poll-ms"]);
    if (!Number.isFinite(pollMs) || pollMs <= 0) throw new UsageError(`--poll-ms must be a positive number; got "${args["poll-ms"]}"`);
    const config = await loadConfigFromArgs(args);
    const { startServe } = await import("../serve/daemon.ts");
    const serve = await startServe({ config, graceMs, pollMs });
    const signalled = new Promise<string>((resolve) => {
      if (interrupted.aborted) resolve("interrupted");
      interrupted.addEventListener("abort", () => resolve(String((interrupted.reason as Error)?.message ?? "interrupted")), { once: true });
    });
    const reason = await Promise.race([signalled, serve.stopped.then(() => "")]);
    if (!reason) throw new AegisError("E_STATE", "aegis serve stopped on its own: the reason is in the log above", { hint: "a supervisor (systemd Restart=on-failure) starts it again" });
    await serve.stop(reason);
    return 0;
  },
});
