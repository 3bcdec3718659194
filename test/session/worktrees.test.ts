import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scripted, type ScriptedContext } from "../../src/config/providers.ts";
import { closeSessionRow, findSessionByHandle } from "../../src/store/sessions.ts";
import { getWorktree } from "../../src/store/worktrees.ts";
import { openStore } from "../../src/store/store.ts";
import { commit, makeRepo, sh } from "../git/helpers.ts";
import { fakeClaude } from "../workflow/helpers.ts";
import { manager, memoryStore, testConfig, type AgentSpec } from "./fixtures.ts";

/** Resolves for everyone once `n` callers have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return () => {
    if (++arrived === n) release();
    return all;
  };
}

/** A Scripted agent that appends a line naming itself to README.md in its cwd and replies with what it reads. */
function editor(before?: () => Promise<void>) {
  return {
    reply: async (prompt: string, ctx: ScriptedContext) => {
      const file = join(ctx.cwd, "README.md");
      if (prompt === "read") return readFileSync(file, "utf8");
      writeFileSync(file, `${readFileSync(file, "utf8")}${ctx.handle} was here\n`);
      await before?.();
      return readFileSync(file, "utf8");
    },
  };
}

describe("sessions in git worktrees (#11)", () => {
  test("two agents editing the same file in parallel never see each other's changes; the main checkout is untouched (#11)", async () => {
    const root = makeRepo();
    const m = manager(testConfig({ ed: editor(barrier(2)) }, {}, root), { cwd: root });
    const a = await m.spawn("ed", { handle: "agent-a", isolation: "worktree" });
    const b = await m.spawn("ed", { handle: "agent-b", isolation: "worktree" });
    const ra = m.send("agent-a", "edit", "user");
    const rb = m.send("agent-b", "edit", "user");
    // Both have written before either reads back (the barrier): each still sees only its own line.
    expect(await ra).toBe("hello\nagent-a was here\n");
    expect(await rb).toBe("hello\nagent-b was here\n");
    expect(getWorktree(m.store, a.handle)?.path).toBe(join(root, ".git", "aegis-worktrees", "agent-a"));
    expect(getWorktree(m.store, b.handle)?.branch).toBe("aegis/agent-b");
    expect(readFileSync(join(root, "README.md"), "utf8")).toBe("hello\n");
    expect(sh(root, "status", "--porcelain")).toBe("");
    await m.closeAll();
    // Both changed something: both kept (policy "changed").
    expect([getWorktree(m.store, "agent-a")?.state, getWorktree(m.store, "agent-b")?.state]).toEqual(["kept", "kept"]);
    expect(existsSync(join(root, ".git", "aegis-worktrees", "agent-a", "README.md"))).toBe(true);
  });

  test("the profile's isolation applies; a clean worktree is removed on close with its branch (#11)", async () => {
    const root = makeRepo();
    const m = manager(testConfig({ quiet: { provider: new Scripted({ reply: () => "ok" }), isolation: "worktree" } as AgentSpec }, {}, root), { cwd: root });
    const s = await m.spawn("quiet", { handle: "quiet-one" });
    expect(await m.send(s.handle, "hi", "user")).toBe("ok");
    const path = getWorktree(m.store, "quiet-one")!.path;
    expect(existsSync(path)).toBe(true);
    await m.close("quiet-one");
    expect(getWorktree(m.store, "quiet-one")?.state).toBe("removed");
    expect(existsSync(path)).toBe(false);
    expect(sh(root, "branch", "--list", "aegis/*")).toBe("");
  });

  test("keep: always keeps a clean worktree, never removes a changed one but keeps its commits' branch (#11)", async () => {
    const root = makeRepo();
    const m = manager(testConfig({ ed: editor() }, {}, root), { cwd: root });
    await m.spawn("ed", { handle: "keeper", isolation: "worktree", keep: "always" });
    await m.close("keeper");
    expect(getWorktree(m.store, "keeper")?.state).toBe("kept");
    await m.spawn("ed", { handle: "dropper", isolation: "worktree", keep: "never" });
    await m.send("dropper", "edit", "user");
    const path = getWorktree(m.store, "dropper")!.path;
    commit(path, "work");
    writeFileSync(join(path, "loose.txt"), "x\n");
    await m.close("dropper");
    expect(getWorktree(m.store, "dropper")?.state).toBe("removed");
    expect(existsSync(path)).toBe(false);
    expect(sh(root, "log", "-1", "--format=%s", "aegis/dropper")).toBe("work");
  });

  test("keep: changed keeps a worktree whose agent committed and left nothing uncommitted (#11)", async () => {
    const root = makeRepo();
    const m = manager(testConfig({ ed: editor() }, {}, root), { cwd: root });
    await m.spawn("ed", { handle: "committer", isolation: "worktree" });
    await m.send("committer", "edit", "user");
    const path = getWorktree(m.store, "committer")!.path;
    commit(path, "agent's own commit");
    await m.close("committer");
    expect(getWorktree(m.store, "committer")?.state).toBe("kept");
    expect(existsSync(path)).toBe(true);
    expect(sh(root, "log", "-1", "--format=%s", "aegis/committer")).toBe("agent's own commit");
  });

  test("outside a git repository an isolated spawn fails with a hint and leaves no live session (#11)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aegis-nogit-"));
    const m = manager(testConfig({ ed: editor() }, {}, dir), { cwd: dir });
    const err = await m.spawn("ed", { handle: "lonely", isolation: "worktree" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_STATE" });
    expect((err as { hint: string }).hint).toContain("isolation");
    expect(m.get("lonely")).toBeUndefined();
    expect(findSessionByHandle(m.store, "lonely")?.closed_at).not.toBeNull();
  });

  test("the same handle and spawner after a crash reattaches the same worktree, edits and all (#11)", async () => {
    const root = makeRepo();
    const store = memoryStore();
    const config = testConfig({ ed: editor() }, {}, root);
    const first = manager(config, { cwd: root, store });
    const s = await first.spawn("ed", { handle: "phoenix", isolation: "worktree", spawnedBy: "workflow:w:run_1" });
    await first.send("phoenix", "edit", "user");
    // The process dies: no close, the session row and the worktree record stay as they were.
    store.write(() => closeSessionRow(store, s.id, Date.now()));
    const second = manager(config, { cwd: root, store });
    await second.spawn("ed", { handle: "phoenix", isolation: "worktree", spawnedBy: "workflow:w:run_1" });
    expect(await second.send("phoenix", "read", "user")).toBe("hello\nphoenix was here\n");
    expect(sh(root, "worktree", "list", "--porcelain").match(/^worktree /gm)).toHaveLength(2);
    // Another spawner may not take it over.
    const third = manager(config, { cwd: root, store });
    await second.close("phoenix");
    const err = await third.spawn("ed", { handle: "phoenix", isolation: "worktree", spawnedBy: "user" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_STATE" });
  });
});

describe("a worktree on another machine (#15)", () => {
  test("is not reattached here: the spawn fails with E_STATE naming its host, and git here is not touched (#15)", async () => {
    const root = makeRepo();
    const m = manager(testConfig({ ed: editor() }, {}, root), { cwd: root });
    await m.db.tx(async (t) => {
      await t.worktrees.insertWorktree({
        handle: "remote-ed", sessionId: "ses_remote", spawnedBy: "user", repo: root, path: join(root, ".git", "aegis-worktrees", "remote-ed"),
        branch: "aegis/remote-ed", base: sh(root, "rev-parse", "HEAD"), baseRef: "main", keep: "changed", at: Date.now(), host: "gpu-box-7",
      });
      await t.worktrees.setWorktreeState("remote-ed", "kept", Date.now());
    }, { durable: true });
    const err = await m.spawn("ed", { handle: "remote-ed", isolation: "worktree", spawnedBy: "user" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_STATE", message: expect.stringContaining('the worktree of "remote-ed" (aegis/remote-ed) is on host gpu-box-7'), data: { host: "gpu-box-7" } });
    expect(sh(root, "worktree", "list", "--porcelain").match(/^worktree /gm)).toHaveLength(1);
    expect(findSessionByHandle(m.store, "remote-ed")?.closed_at).not.toBeNull(); // the failed start's row is closed
    expect(getWorktree(m.store, "remote-ed")).toMatchObject({ state: "kept", session_id: "ses_remote", host: "gpu-box-7" });
    await m.closeAll();
  });
});

describe("a CLI session in a worktree (#11)", () => {
  test("fake-claude runs with its worktree as cwd, writes there through its own tool, and is told where to work (#11)", async () => {
    const root = makeRepo();
    const state = mkdtempSync(join(tmpdir(), "aegis-fc-"));
    const store = openStore(join(state, "aegis-state", "state.db"));
    const m = manager(testConfig({ cli: { provider: fakeClaude(state, join(state, "turns.log")), isolation: "worktree" } as AgentSpec }, {}, root), { cwd: root, store });
    try {
      await m.spawn("cli", { handle: "cli-one" });
      await m.spawn("cli", { handle: "cli-two" });
      const wt = (h: string) => join(root, ".git", "aegis-worktrees", h);
      const seen = JSON.parse((await m.send("cli-one", "MODE:argv", "user")).trim()) as { cwd: string; env: Record<string, string> };
      expect(seen.cwd).toBe(wt("cli-one"));
      // Its shell's `aegis` commands reach this project's state, not a fresh .aegis/ in the worktree.
      expect(seen.env.AEGIS_STATE_DIR).toBe(join(state, "aegis-state"));
      await Promise.all([m.send("cli-one", "WRITE: README.md one", "user"), m.send("cli-two", "WRITE: README.md two", "user")]);
      expect(readFileSync(join(wt("cli-one"), "README.md"), "utf8")).toBe("one");
      expect(readFileSync(join(wt("cli-two"), "README.md"), "utf8")).toBe("two");
      expect(readFileSync(join(root, "README.md"), "utf8")).toBe("hello\n");
      expect(await m.send("cli-two", "MODE:system-prompt", "user")).toContain(`You work in your own git worktree: ${wt("cli-two")} (branch aegis/cli-two)`);
    } finally {
      await m.closeAll();
    }
    expect(getWorktree(m.store, "cli-one")?.state).toBe("kept");
  });
});
