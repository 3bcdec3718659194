// `aegis chat [agent]`: the terminal UI on one new session of an agent (defaultAgent when none is named), focused on
// the conversation. Everything it draws lives in src/tui/chat.ts, imported only here and only when the command runs,
// so no other command loads OpenTUI. Exit 0 when the user leaves (/quit, Ctrl-C), 2 without a terminal, 130 on SIGTERM.

import { defineCommand } from "citty";
import { configArgs, loadConfigFromArgs, workDir } from "./context.ts";

export default defineCommand({
  meta: { name: "chat", description: "Talk to a new session of an agent in the terminal UI (agent defaults to defaultAgent)" },
  args: {
    agent: { type: "positional", description: "Agent profile from .aegis.ts (optional when a defaultAgent is set)", required: false },
    ...configArgs,
  },
  async run({ args }) {
    const { requireTerminal } = await import("../tui/screen.ts");
    requireTerminal("aegis chat");
    const config = await loadConfigFromArgs(args);
    const { runChat } = await import("../tui/chat.ts");
    return runChat({ config, cwd: workDir(args), ...(args.agent !== undefined ? { agent: args.agent } : {}) });
  },
});
