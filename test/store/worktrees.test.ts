// Worktree records (#11) and a run's start branch, on both backends (#15): live, kept, reattached, merged, removed
// and replaced under the same handle, and the host each records (#15).

import { expect, test } from "bun:test";
import { describeDb } from "../helpers/backends.ts";

describeDb("worktree records", (b) => {
  test("worktree rows: live, kept, reattached, merged, removed and replaced under the same handle (#11)", async () => {
    const { db: s } = await b.open();
    const w = { handle: "brisk-curie", sessionId: "ses_1", spawnedBy: "workflow:w:run_1", repo: "/r", path: "/r/.git/aegis-worktrees/brisk-curie", branch: "aegis/brisk-curie", base: "abc", baseRef: "main", keep: "changed" as const, at: 1 };
    await s.tx((t) => t.worktrees.insertWorktree(w), { durable: true });
    expect(await s.worktrees.getWorktree("brisk-curie")).toMatchObject({ state: "live", session_id: "ses_1", base_ref: "main", keep: "changed", host: null });
    await s.tx((t) => t.worktrees.setWorktreeState("brisk-curie", "kept", 5));
    expect(await s.worktrees.getWorktree("brisk-curie")).toMatchObject({ state: "kept", closed_at: 5 });
    await s.worktrees.reattachWorktreeRow("brisk-curie", "ses_2");
    expect(await s.worktrees.getWorktree("brisk-curie")).toMatchObject({ state: "live", session_id: "ses_2", closed_at: null });
    await s.worktrees.recordWorktreeMerge("brisk-curie", { into: "main", commit: "m1", head: "h1", at: 7 });
    expect(await s.worktrees.getWorktree("brisk-curie")).toMatchObject({ merged_into: "main", merged_commit: "m1", merged_head: "h1" });
    await s.worktrees.setWorktreeState("brisk-curie", "removed", 9);
    expect(await s.worktrees.listWorktrees()).toEqual([]);
    expect(await s.worktrees.listWorktrees({ includeRemoved: true })).toHaveLength(1);
    await s.worktrees.insertWorktree({ ...w, sessionId: "ses_3", at: 10, host: "box-2" });
    expect(await s.worktrees.getWorktree("brisk-curie")).toMatchObject({ state: "live", session_id: "ses_3", merged_commit: null, host: "box-2" });
  });

  test("a run records the branch it started on (#11)", async () => {
    const { db: s } = await b.open();
    await s.runs.insertRun({ id: "run_1", workflow: "w", args: {}, at: 1 });
    expect(await s.worktrees.runStartBranch("run_1")).toBeNull();
    await s.worktrees.setRunStartBranch("run_1", "main");
    expect(await s.worktrees.runStartBranch("run_1")).toBe("main");
  });
});
