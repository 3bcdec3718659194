// `aegis ui`: the terminal dashboard of this project: live sessions, queues, workflow runs, tasks and (while a serve
// runs) schedules, a session's transcript streaming live, and steering keys. Everything it draws lives in src/tui/,
// imported only here and only when the command runs, so no other command loads OpenTUI. Exit 0 on q or Ctrl-C,
// 2 without a terminal (with where to look instead), 130 on SIGTERM/SIGINT, 129 on SIGHUP.

import { defineCommand } from "citty";
import { configArgs, loadConfigFromArgs, workDir } from "./context.ts";

export default defineCommand({
  meta: { name: "ui", description: "Watch and steer the project's sessions, queues and runs in the terminal" },
  args: {
    ...configArgs,
  },
  async run({ args }) {
    const { requireTerminal } = await import("../tui/screen.ts");
    requireTerminal("aegis ui");
    const config = await loadConfigFromArgs(args);
    const { runDashboard } = await import("../tui/app.ts");
    return runDashboard({ config, cwd: workDir(args) });
  },
});
