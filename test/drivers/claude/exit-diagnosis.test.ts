// The words for a Claude Code process that failed its start-up (src/drivers/claude/exit-diagnosis.ts).
import { expect, test } from "bun:test";
import { startupError } from "../../../src/drivers/claude/exit-diagnosis.ts";

// What Claude Code prints when bypassPermissions is asked for as root without IS_SANDBOX=1.
const ROOT_TAIL = "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons";

test("(#9) root refusal with inheritEnv leaving out IS_SANDBOX: the hint names inheritEnv, not a bare export", () => {
  const err = startupError("claude exited with code 1", ROOT_TAIL, "full", ["PATH", "HOME", "ANTHROPIC_*"]);
  expect(err.code).toBe("E_PERMISSION");
  expect(err.hint).toContain("inheritEnv [PATH, HOME, ANTHROPIC_*] does not pass IS_SANDBOX");
  expect(err.hint).toContain('add "IS_SANDBOX" to inheritEnv');
});

test("(#9) root refusal when IS_SANDBOX would be inherited (all, a name or a glob): the hint says to export it", () => {
  for (const inherit of ["all", ["PATH", "IS_SANDBOX"], ["IS_*"]] as const) {
    const err = startupError("claude exited with code 1", ROOT_TAIL, "full", inherit);
    expect(err.hint).toContain("export IS_SANDBOX=1 before running aegis");
    expect(err.hint).not.toContain("does not pass");
  }
});

test("any other start-up failure quotes the CLI's stderr", () => {
  const err = startupError("claude exited with code 2", "boom: bad flag", "write");
  expect(err.code).toBe("E_AGENT_EXIT");
  expect(err.message).toContain("boom: bad flag");
});
