import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commitAll, diffWorktree } from "../../src/git/changes.ts";
import { currentBranch, openRepo } from "../../src/git/repo.ts";
import { addWorktree, dirtyPaths, listGitWorktrees, reattachWorktree, removeWorktree, worktreeStatus } from "../../src/git/worktree.ts";
import { commit, makeRepo, sh, writeFiles } from "./helpers.ts";

describe("src/git worktrees (#11)", () => {
  test("a folder outside any repository is E_STATE with a hint (#11)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aegis-nogit-"));
    const err = await openRepo(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_STATE" });
    expect((err as { hint: string }).hint).toContain("git init");
    rmSync(dir, { recursive: true });
  });

  test("without git on PATH: E_AGENT_MISSING with an install hint (#11)", async () => {
    const root = makeRepo();
    const bin = mkdtempSync(join(tmpdir(), "aegis-nogit-bin-"));
    symlinkSync("/bin/sh", join(bin, "sh"));
    const saved = process.env.PATH;
    process.env.PATH = bin;
    try {
      const err = await openRepo(root).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "E_AGENT_MISSING" });
      expect((err as { hint: string }).hint).toContain("install git");
    } finally {
      process.env.PATH = saved;
      rmSync(bin, { recursive: true });
    }
  });

  test("git variables inherited from a hook (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE) do not redirect aegis's git calls (#11)", async () => {
    const root = makeRepo();
    const other = makeRepo({ "other.txt": "other\n" });
    const saved = { dir: process.env.GIT_DIR, tree: process.env.GIT_WORK_TREE, index: process.env.GIT_INDEX_FILE };
    process.env.GIT_DIR = join(other, ".git");
    process.env.GIT_WORK_TREE = other;
    process.env.GIT_INDEX_FILE = join(other, ".git", "index");
    try {
      const repo = await openRepo(root);
      expect(repo.root).toBe(root);
      const wt = await addWorktree(repo, "hooked");
      writeFiles(wt.path, { "mine.txt": "m\n" });
      const c = await commitAll(wt.path, "in a hook");
      expect((await diffWorktree(wt.path, wt.base)).files).toEqual([{ path: "mine.txt", added: 1, removed: 0 }]);
      expect(c.committed).toBe(true);
    } finally {
      restore("GIT_DIR", saved.dir);
      restore("GIT_WORK_TREE", saved.tree);
      restore("GIT_INDEX_FILE", saved.index);
    }
    expect(sh(root, "show", "--name-only", "--format=", "aegis/hooked")).toBe("mine.txt");
    expect(sh(other, "status", "--porcelain")).toBe("");
    expect(sh(other, "branch", "--list", "aegis/*")).toBe("");
  });

  test("a worktree lives inside the git dir, on aegis/<handle>, invisible to the main checkout (#11)", async () => {
    const root = makeRepo();
    const repo = await openRepo(root);
    expect(repo.root).toBe(root);
    const wt = await addWorktree(repo, "brisk-curie");
    expect(wt.path).toBe(join(root, ".git", "aegis-worktrees", "brisk-curie"));
    expect(wt.branch).toBe("aegis/brisk-curie");
    expect(wt.base).toBe(sh(root, "rev-parse", "HEAD"));
    expect(wt.baseRef).toBe("main");
    writeFileSync(join(wt.path, "README.md"), "changed by the agent\n");
    expect(sh(root, "status", "--porcelain")).toBe("");
    expect(readFileSync(join(root, "README.md"), "utf8")).toBe("hello\n");
    // From inside the worktree the repository is the same.
    expect((await openRepo(wt.path)).root).toBe(root);
    expect(currentBranch(root)).toBe("main");
    expect(currentBranch(wt.path)).toBe("aegis/brisk-curie");
  });

  test("the same branch twice is refused with a hint (#11)", async () => {
    const repo = await openRepo(makeRepo());
    await addWorktree(repo, "twice");
    const err = await addWorktree(repo, "twice").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_STATE", data: { branch: "aegis/twice" } });
    expect((err as { hint: string }).hint).toContain("prune");
  });

  test("a base may be a branch, a commit id or a detached HEAD; an unknown one is E_STATE (#11)", async () => {
    const root = makeRepo();
    const repo = await openRepo(root);
    const head = sh(root, "rev-parse", "HEAD");
    expect(await addWorktree(repo, "by-branch", "main")).toMatchObject({ base: head, baseRef: "main" });
    expect(await addWorktree(repo, "by-commit", head.slice(0, 10))).toMatchObject({ base: head, baseRef: null });
    sh(root, "checkout", "-q", "--detach");
    expect(await addWorktree(repo, "detached")).toMatchObject({ base: head, baseRef: null });
    await expect(addWorktree(repo, "nowhere", "no-such-branch")).rejects.toMatchObject({ code: "E_STATE", data: { base: "no-such-branch" } });
  });

  test("commitAll is a no-op when clean and commits leftovers under aegis's identity when none is configured (#11)", async () => {
    const root = makeRepo();
    const saved = { global: process.env.GIT_CONFIG_GLOBAL, nosystem: process.env.GIT_CONFIG_NOSYSTEM };
    const empty = join(root, "..", `${root.split("/").pop()}-gitconfig`);
    writeFileSync(empty, "");
    process.env.GIT_CONFIG_GLOBAL = empty; // this machine may have a global identity: hide it
    process.env.GIT_CONFIG_NOSYSTEM = "1";
    try {
      const repo = await openRepo(root);
      const wt = await addWorktree(repo, "leftovers");
      const clean = await commitAll(wt.path, "nothing");
      expect(clean).toEqual({ committed: false, commit: wt.base });
      writeFiles(wt.path, { "new.txt": "x\n", "src/a.txt": "one\n2\nthree\n" });
      const done = await commitAll(wt.path, "agent leftovers");
      expect(done.committed).toBe(true);
      expect(sh(root, "log", "-1", "--format=%an <%ae>|%s", done.commit)).toBe("aegis <aegis@localhost>|agent leftovers");
      expect(await dirtyPaths(wt.path)).toEqual([]);
      // The user's config was not written.
      expect(readFileSync(empty, "utf8")).toBe("");
      expect(readFileSync(join(root, ".git", "config"), "utf8")).not.toContain("[user]");
    } finally {
      restore("GIT_CONFIG_GLOBAL", saved.global);
      restore("GIT_CONFIG_NOSYSTEM", saved.nosystem);
      rmSync(empty, { force: true });
    }
  });

  test("a configured identity is used as is (#11)", async () => {
    const root = makeRepo();
    sh(root, "config", "user.name", "Ada");
    sh(root, "config", "user.email", "ada@example.com");
    const wt = await addWorktree(await openRepo(root), "mine");
    writeFiles(wt.path, { "x.txt": "x\n" });
    const c = await commitAll(wt.path, "m");
    expect(sh(root, "log", "-1", "--format=%an <%ae>", c.commit)).toBe("Ada <ada@example.com>");
  });

  test("diff counts committed, uncommitted and untracked changes against the base and leaves the index alone (#11)", async () => {
    const root = makeRepo();
    const wt = await addWorktree(await openRepo(root), "differ");
    writeFiles(wt.path, { "src/a.txt": "one\nTWO\nthree\nfour\n" });
    commit(wt.path, "edit a");
    writeFiles(wt.path, { "README.md": "hello\nworld\n", "untracked.txt": "u1\nu2\n" });
    const d = await diffWorktree(wt.path, wt.base);
    expect(d.files.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: "README.md", added: 1, removed: 0 },
      { path: "src/a.txt", added: 2, removed: 1 },
      { path: "untracked.txt", added: 2, removed: 0 },
    ]);
    expect(d.patch).toContain("+TWO");
    expect(d.patch).toContain("+u2");
    expect(sh(wt.path, "status", "--porcelain")).toBe("M README.md\n?? untracked.txt"); // not staged: the agent's index is as it left it
  });

  test("status: ahead/behind the base branch and dirty (#11)", async () => {
    const root = makeRepo();
    const repo = await openRepo(root);
    const wt = await addWorktree(repo, "stat");
    writeFiles(wt.path, { "b.txt": "b\n" });
    commit(wt.path, "b");
    writeFiles(root, { "c.txt": "c\n" });
    commit(root, "c");
    writeFiles(root, { "d.txt": "d\n" });
    commit(root, "d");
    expect(await worktreeStatus(repo, wt)).toMatchObject({ ahead: 1, behind: 2, dirty: false, against: "main" });
    writeFiles(wt.path, { "e.txt": "e\n" });
    expect((await worktreeStatus(repo, wt)).dirty).toBe(true);
  });

  test("reattach repairs a creation killed half way, and one that never got its branch (#11)", async () => {
    const root = makeRepo();
    const repo = await openRepo(root);
    const wt = await addWorktree(repo, "half-made");
    // As if `git worktree add` was killed during its checkout: git's creation lock still on, files missing.
    sh(root, "worktree", "lock", "--reason", "initializing", wt.path);
    rmSync(join(wt.path, "src"), { recursive: true });
    await reattachWorktree(repo, wt);
    expect(readFileSync(join(wt.path, "src/a.txt"), "utf8")).toBe("one\ntwo\nthree\n");
    expect((await listGitWorktrees(repo)).find((w) => w.path === wt.path)?.locked).toBeNull();
    // Killed before git made the branch: the record's base is enough.
    const never = { path: join(repo.worktreesDir, "never-made"), branch: "aegis/never-made", base: wt.base, baseRef: "main" };
    await reattachWorktree(repo, never);
    expect(sh(root, "rev-parse", "aegis/never-made")).toBe(wt.base);
    // A folder git no longer knows is moved aside, not deleted.
    await removeWorktree(repo, never, { deleteBranch: true });
    writeFiles(never.path, { "precious.txt": "p\n" });
    await reattachWorktree(repo, never);
    const aside = readdirSync(repo.worktreesDir).find((n) => n.startsWith("never-made.orphan-"));
    expect(aside && readFileSync(join(repo.worktreesDir, aside, "precious.txt"), "utf8")).toBe("p\n");
  });

  test("remove drops the folder and git's record; reattach brings back a worktree whose folder vanished (#11)", async () => {
    const root = makeRepo();
    const repo = await openRepo(root);
    const wt = await addWorktree(repo, "comeback");
    writeFiles(wt.path, { "kept.txt": "k\n" });
    await commitAll(wt.path, "keep me");
    rmSync(wt.path, { recursive: true, force: true }); // lost, as after a crash and a cleanup
    await reattachWorktree(repo, wt);
    expect(readFileSync(join(wt.path, "kept.txt"), "utf8")).toBe("k\n");
    expect((await listGitWorktrees(repo)).filter((w) => w.branch === wt.branch)).toHaveLength(1);
    await removeWorktree(repo, wt, { deleteBranch: true });
    expect(existsSync(wt.path)).toBe(false);
    expect(sh(root, "branch", "--list", "aegis/*")).toBe("");
    expect((await listGitWorktrees(repo)).map((w) => w.path)).toEqual([root]);
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
