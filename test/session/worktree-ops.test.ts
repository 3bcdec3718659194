import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitWorktree, diffWorktreeOf, listWorktreeStatus, mergeWorktree, removeKeptWorktree, requireWorktree } from "../../src/session/worktree-ops.ts";
import { getWorktree } from "../../src/store/worktrees.ts";
import { closeSessionRow } from "../../src/store/sessions.ts";
import { makeRepo, sh } from "../git/helpers.ts";
import { manager, testConfig } from "./fixtures.ts";

async function twoKept() {
  const root = makeRepo();
  const m = manager(testConfig({ ed: { reply: () => "ok" } }, {}, root), { cwd: root });
  for (const h of ["left-one", "right-one"]) {
    await m.spawn("ed", { handle: h, isolation: "worktree" });
    writeFileSync(join((await requireWorktree(m.db, h)).path, `${h}.txt`), `${h}\n`);
    await m.close(h);
  }
  return { root, m };
}

test("by handle: commit, diff, merge (recorded), list, and prune that never drops unmerged work (#11)", async () => {
  const { root, m } = await twoKept();
  const store = m.store;
  const db = m.db;
  expect(await diffWorktreeOf(db, "left-one")).toMatchObject({ files: [{ path: "left-one.txt", added: 1, removed: 0 }] });
  const c = await commitWorktree(db, "left-one", "left's work");
  expect(c.committed).toBe(true);
  expect((await commitWorktree(db, "left-one")).committed).toBe(false);
  let list = await listWorktreeStatus(db);
  const byHandle = [...list].sort((a, b) => a.handle.localeCompare(b.handle));
  expect(byHandle.map((w) => [w.handle, w.state, w.ahead, w.dirty, w.merged])).toEqual([
    ["left-one", "kept", 1, false, false],
    ["right-one", "kept", 0, true, false],
  ]);
  await expect(removeKeptWorktree(db, "left-one")).rejects.toMatchObject({ code: "E_STATE" });
  const r = await mergeWorktree(db, "right-one", { into: "main", strategy: "squash" });
  expect(r.merged).toBe(true);
  expect(getWorktree(store, "right-one")).toMatchObject({ merged_into: "main" });
  expect(sh(root, "show", "main:right-one.txt")).toBe("right-one");
  list = await listWorktreeStatus(db);
  expect(list.find((w) => w.handle === "right-one")?.merged).toBe(true);
  await removeKeptWorktree(db, "right-one");
  expect(getWorktree(store, "right-one")?.state).toBe("removed");
  await removeKeptWorktree(db, "left-one", { force: true });
  expect(existsSync(join(root, ".git", "aegis-worktrees", "left-one"))).toBe(false);
  expect(sh(root, "branch", "--list", "aegis/*")).toBe("");
  await expect(diffWorktreeOf(db, "left-one")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
});

test("a worktree whose session runs is listed live and never removed; after its process died it is kept (#11)", async () => {
  const root = makeRepo();
  const m = manager(testConfig({ ed: { reply: () => "ok" } }, {}, root), { cwd: root });
  const s = await m.spawn("ed", { handle: "busy-one", isolation: "worktree" });
  expect((await listWorktreeStatus(m.db))[0]).toMatchObject({ handle: "busy-one", state: "live" });
  await expect(removeKeptWorktree(m.db, "busy-one", { force: true })).rejects.toMatchObject({ code: "E_STATE" });
  // As after a crash: the session row is closed by the next aegis, the worktree record still says live.
  m.store.write(() => closeSessionRow(m.store, s.id, Date.now()));
  expect((await listWorktreeStatus(m.db))[0]).toMatchObject({ handle: "busy-one", state: "kept", merged: true });
  await removeKeptWorktree(m.db, "busy-one");
  expect(getWorktree(m.store, "busy-one")?.state).toBe("removed");
});
