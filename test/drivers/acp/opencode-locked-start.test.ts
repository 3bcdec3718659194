// OpenCode started while another OpenCode process holds its database exits with "database is locked" before it
// answers; the driver tries that start again, and gives up with OpenCode's own words after its retries.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { OpenCode } from "../../../src/config/providers.ts";
import { LOCKED_START_RETRIES } from "../../../src/drivers/acp/opencode-driver.ts";
import { startAgent } from "../../../src/drivers/registry.ts";
import { tempDir } from "../../fixtures/helpers/temp-dir.ts";
import { within } from "../../fixtures/helpers/wait.ts";
import { runTurn, textOf } from "../conformance.ts";
import { FAKE_ACP } from "./fake-acp.ts";

function openCode(dir: ReturnType<typeof tempDir>, lockedStarts: number): OpenCode {
  return new OpenCode({
    model: "opencode/big-pickle", permission: "full", bin: FAKE_ACP,
    env: { FAKE_ACP_STATE_DIR: dir.join("state"), FAKE_ACP_LOCKED_STARTS: String(lockedStarts) },
  });
}

test("an OpenCode start that finds its database locked is tried again and the session works (#13)", async () => {
  using dir = tempDir("opencode-locked");
  const session = await within(startAgent(openCode(dir, 2), { cwd: dir.path, handle: "locked-test" }), 30_000, "start");
  try {
    expect(readFileSync(dir.join("state/locked-starts"), "utf8")).toBe("3");
    const { events, end } = await runTurn(session, "say hello");
    expect(end.isError).toBe(false);
    expect(textOf(events).length).toBeGreaterThan(0);
  } finally {
    await within(session.close(), 10_000, "close");
  }
}, 40_000);

test("an OpenCode whose database stays locked fails its start with OpenCode's words after the retries (#13)", async () => {
  using dir = tempDir("opencode-locked-always");
  const err = await startAgent(openCode(dir, 100), { cwd: dir.path, handle: "locked-test" }).then(() => undefined, (e: unknown) => e);
  expect(err).toMatchObject({ code: "E_AGENT_EXIT" });
  expect(String((err as Error).message)).toContain("database is locked");
  expect(readFileSync(dir.join("state/locked-starts"), "utf8")).toBe(String(LOCKED_START_RETRIES + 1));
}, 60_000);
