// The agent_groups rows (#13), through the store contract on both backends (#15): a group made over MCP is recorded
// with its owner, process and members, its last broadcast and gather are summarised, and dissolving it is recorded once.
import { expect, test } from "bun:test";
import { describeDb } from "../helpers/backends.ts";

describeDb("agent group rows (#13, #15)", (b) => {
  test("a group's row records members, broadcasts, gathers and its dissolution (#13)", async () => {
    const { db } = await b.open();
    await db.groups.insertGroup({ id: "grp_1", name: "crew", owner: "agent:boss", process: "own_1", members: [{ handle: "ann", agent: "impl" }], at: 5 });
    await db.groups.insertGroup({ id: "grp_2", name: "crew", owner: "agent:other", process: "own_1", members: [], at: 6 });
    expect((await db.groups.activeGroupsNamed("crew")).map((g) => g.id)).toEqual(["grp_2", "grp_1"]);
    expect((await db.groups.activeGroupsOf("agent:boss")).map((g) => g.id)).toEqual(["grp_1"]);
    await db.groups.recordBroadcast("grp_1", 1, { id: 1, objective: "q" });
    await db.groups.recordGather("grp_1", { id: 1, objective: "q", gathered: true }, { combined: "a" });
    expect(await db.groups.getGroup("grp_1")).toMatchObject({
      name: "crew", owner: "agent:boss", process: "own_1", state: "active", broadcasts: 1,
      members: JSON.stringify([{ handle: "ann", agent: "impl" }]), last_gather: JSON.stringify({ combined: "a" }),
    });
    expect(await db.groups.dissolveGroupRow("grp_1", 9)).toBe(true);
    expect(await db.groups.dissolveGroupRow("grp_1", 10)).toBe(false);
    expect(await db.groups.getGroup("grp_1")).toMatchObject({ state: "dissolved", dissolved_at: 9 });
    expect((await db.groups.activeGroupsNamed("crew")).map((g) => g.id)).toEqual(["grp_2"]);
    expect(await db.groups.getGroup("grp_x")).toBeNull();
  }, 30_000);
});
