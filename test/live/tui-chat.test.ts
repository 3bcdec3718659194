// `aegis chat` on the real CLIs (#14): in a tmux pane, `aegis chat impl` (src/main.ts under bun) talks to Claude Code,
// Gemini CLI and OpenCode against the loopback mock LLM: a typed message comes back as the mock's echo, Esc stops a
// turn that runs `sleep 30` through the CLI's shell tool and the chat goes on, and Ctrl-C leaves with exit 0, the
// terminal restored and no CLI process left. Skips, with the reason printed, for a CLI not installed in .live/ or
// when tmux is missing.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Tmux, TMUX_MISSING } from "../fixtures/helpers/tmux.ts";
import { makeLiveEnv } from "./cli-env.ts";
import { findTagged, waitFor } from "./live-helpers.ts";
import { skipLive, type LiveCliName } from "./live-install.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
const CLASS: Partial<Record<LiveCliName, string>> = { claude: "ClaudeCode", gemini: "GeminiCLI", opencode: "OpenCode" };
if (TMUX_MISSING) console.warn(`[live] skipping tui-chat: ${TMUX_MISSING}`);

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock?.stop();
});

for (const cli of Object.keys(CLASS) as LiveCliName[]) {
  describe.skipIf(Boolean(TMUX_MISSING) || skipLive(cli))(`live ${cli}: aegis chat (#14)`, () => {
    test("a message gets the reply, Esc stops a running shell tool, Ctrl-C leaves with nothing left running", async () => {
      await using env = await makeLiveEnv(cli, mock);
      const p = env.provider;
      writeFileSync(join(env.workDir, ".aegis.ts"), `import { defineConfig, ${CLASS[cli]} } from "aegis";
export default defineConfig({ agents: { impl: { provider: new ${CLASS[cli]}(${JSON.stringify({ model: p.model, permission: "full", bin: p.bin, env: p.env })}) } } });
`);
      const t = new Tmux();
      try {
        await t.start([process.execPath, MAIN, "chat", "impl"], { cwd: env.workDir, env: { NO_COLOR: "1" } });
        await t.waitForText("say something", 60_000);
        await t.type("hello from the chat");
        await t.send(["Enter"]);
        await t.waitForText("ECHO: hello from the chat", 90_000);
        await t.waitForText(/turn 1: \d+ in/, 30_000);

        await t.type("SLEEP_TOOL");
        await t.send(["Enter"]);
        await waitFor("the CLI's sleep 30", () => findTagged(env.tag).some((x) => /(^|\s|\/)sleep 30\b/.test(x.cmdline)), 90_000);
        await t.send(["Escape"]);
        await t.waitForText("interrupt sent");
        await t.waitForText(/turn 2: .*(cancelled|interrupted|error)/, 60_000);
        await waitFor("sleep 30 to end", () => !findTagged(env.tag).some((x) => /(^|\s|\/)sleep 30\b/.test(x.cmdline)), 30_000);

        await t.type("still there?");
        await t.send(["Enter"]);
        await t.waitForText("ECHO: still there?", 90_000);

        await t.send(["C-c"]);
        expect(await t.exitCode(30_000)).toBe(0);
        expect(await t.capture()).toBe("");
        expect(await t.modes()).toEqual({ alternateScreen: false, cursorVisible: true, mouse: false });
        await waitFor("no CLI process left", () => findTagged(env.tag).length === 0 || undefined, 15_000);
      } finally {
        await t.close();
      }
    }, 300_000);
  });
}
