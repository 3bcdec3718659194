// `aegis merge`, `aegis worktrees` and `aegis worktrees prune` end to end, each in its own process, on a real git
// repository whose worktrees were made by src/git and recorded in the state database as a session's would be (#11).

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitAll } from "../../src/git/changes.ts";
import { openRepo } from "../../src/git/repo.ts";
import { addWorktree } from "../../src/git/worktree.ts";
import { registerOwner } from "../../src/store/owners.ts";
import { insertSession } from "../../src/store/sessions.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { getWorktree, insertWorktree, setWorktreeState } from "../../src/store/worktrees.ts";
import { makeRepo, sh, writeFiles } from "../git/helpers.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: (p) => p }) } } });
`;

let repo: string;

beforeEach(() => {
  repo = makeRepo({ "README.md": "hello\n", "notes.txt": "one\n", ".gitignore": ".aegis/\n", ".aegis.ts": CONFIG });
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

async function aegis(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([process.execPath, MAIN, ...args, "--cwd", repo], {
    cwd: repo, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

function withStore<T>(fn: (s: Store) => T): T {
  const s = openStore(join(repo, ".aegis", "state.db"));
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

/**
 * A worktree for `handle` with `files` written (and committed unless `dirty`), recorded as a session's would be: kept,
 * or live with an open session row owned by this (running) process, or by an `owner` that is gone.
 */
async function worktree(handle: string, files: Record<string, string>, o: { state?: "live" | "kept"; dirty?: boolean; closedAt?: number; owner?: string } = {}): Promise<string> {
  const r = await openRepo(repo);
  const wt = await addWorktree(r, handle);
  writeFiles(wt.path, files);
  if (!o.dirty) await commitAll(wt.path, `${handle}: work`);
  withStore((s) => s.write(() => {
    insertWorktree(s, { handle, sessionId: `ses_${handle}`, spawnedBy: "user", repo: r.root, path: wt.path, branch: wt.branch, base: wt.base, baseRef: wt.baseRef, keep: "changed", at: Date.now() });
    if ((o.state ?? "kept") === "kept") setWorktreeState(s, handle, "kept", o.closedAt ?? Date.now());
    else insertSession(s, { id: `ses_${handle}`, handle, agent: "w", provider: "scripted", owner: o.owner ?? registerOwner(s), createdAt: Date.now(), state: "ready" });
  }));
  return wt.path;
}

describe("aegis merge (#11)", () => {
  test("merges a kept worktree into the branch it was made from; the main checkout gets the file, the record the commit", async () => {
    await worktree("alpha", { "feature.txt": "from alpha\n" });
    expect(existsSync(join(repo, "feature.txt"))).toBe(false);
    const r = await aegis("merge", "alpha", "--json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toEqual({ merged: true, commit: sh(repo, "rev-parse", "main") });
    expect(readFileSync(join(repo, "feature.txt"), "utf8")).toBe("from alpha\n");
    expect(sh(repo, "status", "--porcelain")).toBe("");
    expect(withStore((s) => getWorktree(s, "alpha"))).toMatchObject({ merged_into: "main", merged_commit: result.commit });
  });

  test("a conflict exits 1 with the paths and leaves main where it was, clean; squash makes one single-parent commit", async () => {
    await worktree("one", { "notes.txt": "one\nfrom one\n" });
    await worktree("two", { "notes.txt": "one\nfrom two\n" });
    await worktree("three", { "other.txt": "a\n", "more.txt": "b\n" });
    expect((await aegis("merge", "one", "--strategy", "merge")).code).toBe(0);
    const before = sh(repo, "rev-parse", "main");
    const r = await aegis("merge", "two", "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ merged: false, conflicts: [{ path: "notes.txt" }] });
    expect(sh(repo, "rev-parse", "main")).toBe(before);
    expect(sh(repo, "status", "--porcelain")).toBe("");
    expect(readFileSync(join(repo, "notes.txt"), "utf8")).toBe("one\nfrom one\n");
    const plain = await aegis("merge", "two");
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain("conflicts with main in notes.txt");

    const squash = await aegis("merge", "three", "--strategy", "squash", "--json");
    expect(squash.code).toBe(0);
    const commit = JSON.parse(squash.stdout).commit as string;
    expect(sh(repo, "rev-list", "--parents", "-n", "1", commit).split(" ")).toHaveLength(2); // the commit and one parent
    expect(readFileSync(join(repo, "more.txt"), "utf8")).toBe("b\n");
  });

  test("rebase lands the branch's commits on top of main; --into picks another branch", async () => {
    sh(repo, "branch", "release");
    await worktree("reb", { "r.txt": "r\n" });
    writeFileSync(join(repo, "main-only.txt"), "m\n");
    sh(repo, "add", "-A");
    sh(repo, "commit", "-q", "-m", "main moves on");
    const r = await aegis("merge", "reb", "--strategy", "rebase", "--json");
    expect(r.code).toBe(0);
    expect(sh(repo, "rev-list", "--parents", "-n", "1", "main").split(" ")).toHaveLength(2); // linear: no merge commit
    expect(existsSync(join(repo, "r.txt"))).toBe(true);
    await worktree("rel", { "rel.txt": "x\n" });
    expect((await aegis("merge", "rel", "--into", "release")).code).toBe(0);
    expect(sh(repo, "show", "release:rel.txt")).toBe("x");
    expect(existsSync(join(repo, "rel.txt"))).toBe(false);
  });

  test("usage and lookup errors: no target or a bad strategy exit 2; an unknown handle or task is E_NOT_FOUND with a hint", async () => {
    expect((await aegis("merge")).code).toBe(2);
    const bad = await aegis("merge", "alpha", "--strategy", "octopus");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--strategy must be one of merge, squash, rebase");
    await worktree("alpha", { "f.txt": "x\n" });
    const typo = await aegis("merge", "alpah");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean "alpha"');
    const task = await aegis("merge", "task_nope");
    expect(task.code).toBe(2);
    expect(task.stderr).toContain("no task task_nope");
  });
});

describe("aegis worktrees (#11)", () => {
  test("lists each worktree: handle, branch, path, live or kept, ahead/behind its base, dirty", async () => {
    const live = await worktree("busy", { "wip.txt": "x\n" }, { state: "live", dirty: true });
    await worktree("done", { "a.txt": "a\n" });
    const r = await aegis("worktrees", "--json");
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    const byHandle = Object.fromEntries(list.map((w) => [w.handle, w]));
    expect(byHandle.busy).toMatchObject({ branch: "aegis/busy", path: live, state: "live", ahead: 0, behind: 0, dirty: true, baseRef: "main" });
    expect(byHandle.done).toMatchObject({ branch: "aegis/done", state: "kept", ahead: 1, behind: 0, dirty: false, merged: null });
    const text = await aegis("worktrees");
    expect(text.stdout).toContain("busy  live  aegis/busy  +0 -0 vs main  (dirty)");
    expect(text.stdout).toMatch(/done {2}kept {2}aegis\/done {2}\+1 -0 vs main/);
  });

  test("prune removes merged and clean kept worktrees with their branches, never unmerged work or a live one unless --force", async () => {
    await worktree("merged", { "m.txt": "m\n" });
    await worktree("unmerged", { "u.txt": "u\n" });
    await worktree("dirty", { "d.txt": "d\n" }, { dirty: true });
    const livePath = await worktree("live", { "l.txt": "l\n" }, { state: "live" });
    expect((await aegis("merge", "merged")).code).toBe(0);

    expect(JSON.parse((await aegis("worktrees", "prune", "--older-than", "7d", "--json")).stdout)).toEqual({ removed: [], skipped: [] });
    const merged = JSON.parse((await aegis("worktrees", "prune", "--merged", "--json")).stdout);
    expect(merged).toEqual({ removed: [expect.objectContaining({ handle: "merged", branch: "aegis/merged", unmerged: false })], skipped: [] });
    expect(sh(repo, "branch", "--list", "aegis/merged")).toBe("");

    const plain = await aegis("worktrees", "prune");
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("kept unmerged: aegis/unmerged has 1 unmerged commit");
    expect(plain.stdout).toContain("kept dirty: aegis/dirty has uncommitted changes");
    expect(sh(repo, "branch", "--list", "aegis/unmerged")).toContain("aegis/unmerged");

    const forced = JSON.parse((await aegis("worktrees", "prune", "--force", "--json")).stdout);
    expect(forced.removed.map((r: { handle: string }) => r.handle).sort()).toEqual(["dirty", "unmerged"]);
    expect(sh(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/aegis/")).toBe("aegis/live"); // the live session's, untouched
    expect(existsSync(livePath)).toBe(true);
    expect(sh(repo, "worktree", "list", "--porcelain").match(/^worktree /gm)).toHaveLength(2); // main + live
    expect(JSON.parse((await aegis("worktrees", "--json")).stdout).map((w: { handle: string }) => w.handle)).toEqual(["live"]);
  }, 20_000); // nine aegis processes in a row

  test("a worktree left live by an aegis that died counts as kept: listed so, and pruned like one", async () => {
    await worktree("orphan", { "o.txt": "o\n" }, { state: "live", owner: "own_gone" });
    const list = JSON.parse((await aegis("worktrees", "--json")).stdout) as { handle: string; state: string }[];
    expect(list).toEqual([expect.objectContaining({ handle: "orphan", state: "kept" })]);
    const skipped = JSON.parse((await aegis("worktrees", "prune", "--json")).stdout);
    expect(skipped).toEqual({ removed: [], skipped: [{ handle: "orphan", branch: "aegis/orphan", reason: "1 unmerged commit" }] });
    expect((await aegis("merge", "orphan")).code).toBe(0);
    const pruned = JSON.parse((await aegis("worktrees", "prune", "--json")).stdout);
    expect(pruned.removed).toEqual([expect.objectContaining({ handle: "orphan", unmerged: false })]);
  });

  test("a worktree whose repository is gone is listed with the reason and left alone by prune; the others still show", async () => {
    await worktree("fine", { "f.txt": "f\n" });
    withStore((s) => s.write(() => {
      insertWorktree(s, { handle: "lost", sessionId: "ses_lost", spawnedBy: "user", repo: join(repo, "moved-away"), path: join(repo, "moved-away", "wt"), branch: "aegis/lost", base: "0".repeat(40), baseRef: "main", keep: "changed", at: Date.now() });
      setWorktreeState(s, "lost", "kept", Date.now());
    }));
    const r = await aegis("worktrees", "--json");
    expect(r.code).toBe(0);
    const byHandle = Object.fromEntries((JSON.parse(r.stdout) as { handle: string }[]).map((w) => [w.handle, w]));
    expect(byHandle.fine).toMatchObject({ ahead: 1, dirty: false });
    expect(byHandle.lost).toMatchObject({ exists: false, ahead: null, error: expect.stringContaining("moved-away") });
    const pruned = JSON.parse((await aegis("worktrees", "prune", "--force", "--json")).stdout);
    expect(pruned.removed.map((x: { handle: string }) => x.handle)).toEqual(["fine"]);
    expect(pruned.skipped).toEqual([expect.objectContaining({ handle: "lost", reason: expect.stringContaining("a repository git cannot read") })]);
  });

  test("prune --older-than must be an age like 7d (exit 2)", async () => {
    const r = await aegis("worktrees", "prune", "--older-than", "7x");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--older-than must look like 30m, 24h, 7d or 2w");
  });
});
