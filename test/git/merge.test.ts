import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mergeBranch } from "../../src/git/merge.ts";
import { openRepo } from "../../src/git/repo.ts";
import { addWorktree } from "../../src/git/worktree.ts";
import { commit, makeRepo, sh, writeFiles } from "./helpers.ts";

async function setup() {
  const root = makeRepo();
  const repo = await openRepo(root);
  const a = await addWorktree(repo, "agent-a");
  const b = await addWorktree(repo, "agent-b");
  return { root, repo, a, b };
}

describe("src/git merge (#11)", () => {
  test("merge fast-forwards the checked-out target and updates its files (#11)", async () => {
    const { root, repo, a } = await setup();
    writeFiles(a.path, { "src/a.txt": "one\ntwo\nthree\nfrom a\n" });
    const head = commit(a.path, "a's work");
    const r = await mergeBranch(repo, { source: a.branch, into: "main" });
    expect(r).toEqual({ merged: true, commit: head });
    expect(sh(root, "rev-parse", "main")).toBe(head);
    expect(readFileSync(join(root, "src/a.txt"), "utf8")).toContain("from a");
    expect(sh(root, "status", "--porcelain")).toBe("");
  });

  test("merge makes a merge commit when the target moved, and nothing new is a no-op (#11)", async () => {
    const { root, repo, a, b } = await setup();
    writeFiles(a.path, { "a.txt": "a\n" });
    commit(a.path, "a");
    writeFiles(b.path, { "b.txt": "b\n" });
    const bHead = commit(b.path, "b");
    await mergeBranch(repo, { source: a.branch, into: "main" });
    const r = await mergeBranch(repo, { source: b.branch, into: "main", message: "land b" });
    if (!r.merged) throw new Error("expected a merge");
    expect(sh(root, "log", "-1", "--format=%P|%s", r.commit)).toBe(`${sh(root, "rev-parse", "aegis/agent-a")} ${bHead}|land b`);
    expect(readFileSync(join(root, "b.txt"), "utf8")).toBe("b\n");
    expect(await mergeBranch(repo, { source: b.branch, into: "main" })).toEqual({ merged: true, commit: r.commit });
    expect(sh(root, "status", "--porcelain")).toBe("");
  });

  test("a conflict returns the paths and leaves the target branch and checkout as they were (#11)", async () => {
    const { root, repo, a, b } = await setup();
    writeFiles(a.path, { "src/a.txt": "A\n", "README.md": "a readme\n" });
    commit(a.path, "a");
    writeFiles(b.path, { "src/a.txt": "B\n", "README.md": "b readme\n", "b-only.txt": "b\n" });
    commit(b.path, "b");
    await mergeBranch(repo, { source: a.branch, into: "main" });
    const before = sh(root, "rev-parse", "main");
    for (const strategy of ["merge", "squash", "rebase"] as const) {
      const r = await mergeBranch(repo, { source: b.branch, into: "main", strategy });
      expect(r.merged).toBe(false);
      if (!r.merged) expect(r.conflicts.map((c) => c.path).sort()).toEqual(["README.md", "src/a.txt"]);
      expect(sh(root, "rev-parse", "main")).toBe(before);
      expect(sh(root, "status", "--porcelain")).toBe("");
      expect(readFileSync(join(root, "src/a.txt"), "utf8")).toBe("A\n");
    }
    expect(sh(root, "worktree", "list", "--porcelain").match(/^worktree /gm)).toHaveLength(3); // no scratch left
  });

  test("squash lands the branch as one commit with the target as its only parent (#11)", async () => {
    const { root, repo, a, b } = await setup();
    writeFiles(b.path, { "other.txt": "o\n" });
    commit(b.path, "b");
    await mergeBranch(repo, { source: b.branch, into: "main" });
    writeFiles(a.path, { "one.txt": "1\n" });
    commit(a.path, "one");
    writeFiles(a.path, { "two.txt": "2\n" });
    commit(a.path, "two");
    const mainBefore = sh(root, "rev-parse", "main");
    const r = await mergeBranch(repo, { source: a.branch, into: "main", strategy: "squash", message: "a, squashed" });
    if (!r.merged) throw new Error("expected a merge");
    expect(sh(root, "log", "-1", "--format=%P|%s", r.commit)).toBe(`${mainBefore}|a, squashed`);
    expect(sh(root, "ls-tree", "--name-only", "main").split("\n")).toEqual(expect.arrayContaining(["one.txt", "two.txt", "other.txt"]));
    expect(readFileSync(join(root, "two.txt"), "utf8")).toBe("2\n");
  });

  test("rebase replays the branch's commits on top of the target, linear history (#11)", async () => {
    const { root, repo, a, b } = await setup();
    writeFiles(b.path, { "other.txt": "o\n" });
    commit(b.path, "b");
    await mergeBranch(repo, { source: b.branch, into: "main" });
    writeFiles(a.path, { "one.txt": "1\n" });
    commit(a.path, "one");
    writeFiles(a.path, { "two.txt": "2\n" });
    commit(a.path, "two");
    const r = await mergeBranch(repo, { source: a.branch, into: "main", strategy: "rebase" });
    if (!r.merged) throw new Error("expected a merge");
    expect(sh(root, "log", "--format=%s", "main")).toBe("two\none\nb\ninit");
    expect(sh(root, "rev-list", "--merges", "--count", "main")).toBe("0");
    expect(sh(root, "status", "--porcelain")).toBe("");
  });

  test("a target branch no checkout has moves by ref; a dirty checkout in the touched paths is refused (#11)", async () => {
    const { root, repo, a } = await setup();
    sh(root, "branch", "release");
    writeFiles(a.path, { "src/a.txt": "new\n" });
    const head = commit(a.path, "a");
    expect(await mergeBranch(repo, { source: a.branch, into: "release" })).toEqual({ merged: true, commit: head });
    expect(sh(root, "rev-parse", "release")).toBe(head);
    expect(sh(root, "rev-parse", "main")).not.toBe(head);
    writeFiles(root, { "src/a.txt": "user's own edit\n" });
    const err = await mergeBranch(repo, { source: a.branch, into: "main" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_STATE", data: { paths: ["src/a.txt"] } });
    expect(readFileSync(join(root, "src/a.txt"), "utf8")).toBe("user's own edit\n");
    expect(sh(root, "rev-parse", "main")).not.toBe(head);
  });

  test("a dirty checkout in other paths is merged into, its edits kept (#11)", async () => {
    const { root, repo, a } = await setup();
    writeFiles(a.path, { "src/a.txt": "new\n" });
    const head = commit(a.path, "a");
    writeFiles(root, { "README.md": "user's notes\n" });
    expect(await mergeBranch(repo, { source: a.branch, into: "main" })).toEqual({ merged: true, commit: head });
    expect(readFileSync(join(root, "README.md"), "utf8")).toBe("user's notes\n");
    expect(readFileSync(join(root, "src/a.txt"), "utf8")).toBe("new\n");
  });
});
