import { expect, test } from "bun:test";
import { openStore } from "../../src/store/store.ts";
import { insertRun } from "../../src/store/runs.ts";
import {
  getWorktree, insertWorktree, listWorktrees, reattachWorktreeRow, recordWorktreeMerge, runStartBranch, setRunStartBranch, setWorktreeState,
} from "../../src/store/worktrees.ts";

test("worktree rows: live, kept, reattached, merged, removed and replaced under the same handle (#11)", () => {
  const s = openStore(":memory:");
  const w = { handle: "brisk-curie", sessionId: "ses_1", spawnedBy: "workflow:w:run_1", repo: "/r", path: "/r/.git/aegis-worktrees/brisk-curie", branch: "aegis/brisk-curie", base: "abc", baseRef: "main", keep: "changed" as const, at: 1 };
  s.write(() => insertWorktree(s, w));
  expect(getWorktree(s, "brisk-curie")).toMatchObject({ state: "live", session_id: "ses_1", base_ref: "main", keep: "changed" });
  s.write(() => setWorktreeState(s, "brisk-curie", "kept", 5));
  expect(getWorktree(s, "brisk-curie")).toMatchObject({ state: "kept", closed_at: 5 });
  s.write(() => reattachWorktreeRow(s, "brisk-curie", "ses_2"));
  expect(getWorktree(s, "brisk-curie")).toMatchObject({ state: "live", session_id: "ses_2", closed_at: null });
  s.write(() => recordWorktreeMerge(s, "brisk-curie", { into: "main", commit: "m1", head: "h1", at: 7 }));
  expect(getWorktree(s, "brisk-curie")).toMatchObject({ merged_into: "main", merged_commit: "m1", merged_head: "h1" });
  s.write(() => setWorktreeState(s, "brisk-curie", "removed", 9));
  expect(listWorktrees(s)).toEqual([]);
  expect(listWorktrees(s, { includeRemoved: true })).toHaveLength(1);
  s.write(() => insertWorktree(s, { ...w, sessionId: "ses_3", at: 10 }));
  expect(getWorktree(s, "brisk-curie")).toMatchObject({ state: "live", session_id: "ses_3", merged_commit: null });
  s.close();
});

test("a run records the branch it started on (#11)", () => {
  const s = openStore(":memory:");
  s.write(() => insertRun(s, { id: "run_1", workflow: "w", args: {}, at: 1 }));
  expect(runStartBranch(s, "run_1")).toBeNull();
  s.write(() => setRunStartBranch(s, "run_1", "main"));
  expect(runStartBranch(s, "run_1")).toBe("main");
  s.close();
});
