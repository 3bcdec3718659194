// `aegis mcp`: the plane's tools over stdio for a person's own agent session outside aegis
// (`claude mcp add aegis -- aegis mcp`), acting as the operator. It builds the project's runtime (sessions spawned
// through it get the HTTP plane like any other), runs queue workers in this process, and serves until the client
// closes stdin. stdout carries only MCP messages; every log line goes to stderr.

import { defineCommand } from "citty";
import { logger } from "../ui/log.ts";
import { configArgs, interrupted, loadConfigFromArgs } from "./context.ts";

export default defineCommand({
  meta: { name: "mcp", description: "Serve aegis's MCP tools on stdio, as the operator (claude mcp add aegis -- aegis mcp)" },
  args: {
    ...configArgs,
    workers: {
      type: "boolean", default: true, description: "Run the config's queue workers in this process",
      negativeDescription: "Do not run queue workers in this process (leave tasks to `aegis work`)",
    },
  },
  async run({ args }) {
    const log = (line: string) => logger().warn(line);
    const config = await loadConfigFromArgs(args);
    const [{ startRuntime }, { serveStdio }, { loadConfigWorkflows }, { portsFromRuntime }, { workflowsPort }] = await Promise.all([
      import("../runtime.ts"), import("../mcp/stdio.ts"), import("../workflow/loader.ts"),
      import("../mcp/plane-ports.ts"), import("../mcp/workflow-port.ts"),
    ]);
    await loadConfigWorkflows(config);
    // The runtime gives sessions spawned here the HTTP plane, like any other aegis process.
    const rt = await startRuntime({ config });
    try {
      if (args.workers) await rt.queues.start();
      const ports = portsFromRuntime({ config, sessions: rt.sessions, queues: rt.queues, workflows: workflowsPort(rt, log) });
      await serveStdio({ ports, log: (line) => logger().info(line), signal: interrupted });
    } finally {
      await rt.close();
    }
    return 0;
  },
});
