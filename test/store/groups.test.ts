// The agent_groups rows (#13): a group made over MCP is recorded with its owner, process and members, its last
// broadcast and gather are summarised, and dissolving it is recorded once.
import { expect, test } from "bun:test";
import { activeGroupsNamed, activeGroupsOf, dissolveGroupRow, getGroup, insertGroup, recordBroadcast, recordGather } from "../../src/store/groups.ts";
import { openStore } from "../../src/store/store.ts";

test("a group's row records members, broadcasts, gathers and its dissolution (#13)", () => {
  const store = openStore(":memory:");
  insertGroup(store, { id: "grp_1", name: "crew", owner: "agent:boss", process: "own_1", members: [{ handle: "ann", agent: "impl" }], at: 5 });
  insertGroup(store, { id: "grp_2", name: "crew", owner: "agent:other", process: "own_1", members: [], at: 6 });
  expect(activeGroupsNamed(store, "crew").map((g) => g.id)).toEqual(["grp_2", "grp_1"]);
  expect(activeGroupsOf(store, "agent:boss").map((g) => g.id)).toEqual(["grp_1"]);
  recordBroadcast(store, "grp_1", 1, { id: 1, objective: "q" });
  recordGather(store, "grp_1", { id: 1, objective: "q", gathered: true }, { combined: "a" });
  expect(getGroup(store, "grp_1")).toMatchObject({
    name: "crew", owner: "agent:boss", process: "own_1", state: "active", broadcasts: 1,
    members: JSON.stringify([{ handle: "ann", agent: "impl" }]), last_gather: JSON.stringify({ combined: "a" }),
  });
  expect(dissolveGroupRow(store, "grp_1", 9)).toBe(true);
  expect(dissolveGroupRow(store, "grp_1", 10)).toBe(false);
  expect(getGroup(store, "grp_1")).toMatchObject({ state: "dissolved", dissolved_at: 9 });
  expect(activeGroupsNamed(store, "crew").map((g) => g.id)).toEqual(["grp_2"]);
  expect(getGroup(store, "grp_x")).toBeNull();
  store.close();
});
