// A generic ACP agent that does not offer session/load (#10): a resumed run cannot resume its provider session, so
// the session is respawned and the earlier turns are replayed from aegis's transcript into the fresh session's first
// turn, before the user's text. fake-acp's generic flavor with FAKE_ACP_NO_LOAD=1 logs what it received.

import { expect, test } from "bun:test";
import { dirname, join } from "node:path";
import { ACPAgent } from "../../src/config/providers.ts";
import type { RunEvent } from "../../src/ui/events.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { FAKE_ACP } from "../fixtures/fake-providers.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { rig } from "./helpers.ts";

const BIN_PATH = `${join(import.meta.dir, "../../node_modules/.bin")}:${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`;

test("ACPAgent without session/load: a resumed run respawns the session with the conversation replayed (#10)", async () => {
  using dir = tempDir("wf-replay-acp-agent");
  const log = dir.join("turns.log");
  const agent = new ACPAgent({
    command: [FAKE_ACP, "--flavor", "generic"], permission: "write", name: "No-Load Agent",
    env: { FAKE_ACP_STATE_DIR: dir.join("state"), FAKE_CLI_LOG: log, FAKE_ACP_NO_LOAD: "1", PATH: BIN_PATH },
  });
  await using r = rig({ providers: { impl: agent as never } });
  let stopped = false;
  const ac = new AbortController();
  const wf = workflow("t-replay-acp-agent", async (e) => {
    const h = await e.spawn("impl", { handle: "impl-one" });
    await e.send(h, "the parser drops tabs");
    if (!stopped) {
      stopped = true;
      ac.abort();
    }
    return e.send(h, "fix it now");
  });
  const first = await r.run(wf, {}, { signal: ac.signal });
  expect(first.status).toBe("interrupted");
  const second = await r.resume(wf, first.runId);
  expect(second.status).toBe("done");

  const ev = r.events.find((e) => e.type === "session" && e.action === "respawned") as Extract<RunEvent, { type: "session" }> | undefined;
  expect(ev?.detail).toContain("No-Load Agent cannot resume session");
  expect(ev?.detail).toContain("does not offer session/load");
  expect(ev?.replay).toEqual({ turns: 1, omitted: 0 });

  const turns = (await Bun.file(log).text()).trim().split("\n").map((l) => JSON.parse(l) as { sessionId: string; prompt: string; context: string[] });
  expect(turns.map((t) => t.prompt.split("\n").pop())).toEqual(["the parser drops tabs", "fix it now"]);
  expect(turns[1]!.sessionId).not.toBe(turns[0]!.sessionId);
  const replayed = turns[1]!.context.join("\n");
  expect(replayed).toContain("# Earlier conversation (replayed by aegis)");
  expect(replayed).toContain("the parser drops tabs");
});
