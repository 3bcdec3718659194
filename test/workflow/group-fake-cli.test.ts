// engine.group over real processes (#13): fake-claude members (stream-json, control_request interrupt) beside a
// Scripted one. A race won by the Scripted member interrupts the fake-claude turns over the wire, and a gather's
// timeout interrupts them too; the interrupted processes stay alive and answer the next brief.
import { expect, test } from "bun:test";
import { workflow } from "../../src/workflow/registry.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { fakeClaude, rig } from "./helpers.ts";

test("race and gather timeouts interrupt fake-claude members' turns, which then answer the next brief (#13)", async () => {
  using dir = tempDir("group-fake-cli");
  // The Scripted member answers once both fake-claude members have begun the same turn (their init event), as a real
  // winner would: an interrupt that reaches a CLI before it starts the turn is only ended by the driver's kill ladder.
  let begun = 0;
  let waiter: (() => void) | undefined;
  const bothBegun = () => new Promise<void>((resolve) => (begun >= 2 ? resolve() : (waiter = resolve)));
  await using r = rig({ agents: { fast: { reply: async () => (await bothBegun(), "first!") } }, providers: { claude: fakeClaude(dir.join("state"), dir.join("turns.log")) } });
  r.rt.sessions.on((e) => {
    if (e.type !== "event" || e.event.type !== "init" || !e.handle.startsWith("cc-")) return;
    if (++begun >= 2) waiter?.();
  });
  const wf = workflow("t-group-fake", async (e) => {
    const g = await e.group("mix", [{ agent: "fast", handle: "quick" }, { agent: "claude", count: 2, handle: "cc" }]);
    const states = () => Object.fromEntries(e.listSessions().map((s) => [s.handle, s.state]));
    const pids = () => r.rt.sessions.list().map((s) => s.pid).filter((p) => p !== undefined);
    const before = pids();
    // fake-claude's MODE:slow sleeps 30 s unless interrupted; the Scripted member answers at once.
    const won = await g.race("MODE:slow");
    begun = 2; // later turns of the Scripted member need not wait
    const afterRace = { states: states(), ends: ["cc-1", "cc-2"].map((h) => r.rt.sessions.get(h)!.last?.stopReason) };
    await g.broadcast("MODE:slow please");
    const timedOut = await g.gather({ timeout: 2000 });
    const afterGather = ["cc-1", "cc-2"].map((h) => r.rt.sessions.get(h)!.last?.stopReason);
    await g.broadcast("ping");
    // fake-claude echoes the brief: keep its objective.
    const pinged = await g.gather({ reducer: (byMember, order) => order.map((h) => /## Objective\n(\S+)/.exec(byMember[h]!)?.[1] ?? byMember[h]) });
    return { won, afterRace, timedOut: { byMember: timedOut.byMember, timeouts: timedOut.timeouts }, afterGather, pinged: pinged.combined, samePids: JSON.stringify(before) === JSON.stringify(pids()) };
  });
  const out = await r.run(wf);
  expect(out.status).toBe("done");
  expect(out.result).toEqual({
    won: { member: "quick", reply: "first!" },
    afterRace: { states: { quick: "ready", "cc-1": "error", "cc-2": "error" }, ends: ["cancelled", "cancelled"] },
    timedOut: { byMember: { quick: "first!" }, timeouts: ["cc-1", "cc-2"] },
    afterGather: ["cancelled", "cancelled"],
    pinged: ["first!", "ping", "ping"],
    samePids: true,
  });
}, 30_000);
