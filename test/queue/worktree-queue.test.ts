// Queues with isolation: "worktree" (#11): each task's worker edits files in a fresh worktree of its own, made from
// the queue's base; when the task ends aegis commits what it left, the task records branch, commit and diff stats,
// and `aegis task --json` / `aegis merge <taskId>` see them. A real git repository and the Scripted agent (ctx.cwd).
// On both store backends (#15): the state in the project's .aegis/state.db, or in a PostgreSQL database the command
// line reaches through AEGIS_DATABASE_URL.

import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Scripted, type ScriptedOptions } from "../../src/config/providers.ts";
import { validateConfig } from "../../src/config/validate.ts";
import type { Runtime } from "../../src/runtime.ts";
import { ConfigError } from "../../src/util/errors.ts";
import { makeRepo, sh } from "../git/helpers.ts";
import { within } from "../fixtures/helpers/wait.ts";
import { describeRuntimes, type RuntimeBackend } from "../helpers/runtimes.ts";
import { gate, testConfig } from "../session/fixtures.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: () => "ok" }) } }, queues: { q: { agent: "w", isolation: "worktree" } } });
`;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function project(): string {
  // The command line reads the project's .aegis.ts (for where the state is); the runtime here gets its config directly.
  const repo = makeRepo({ "notes.txt": "line one\n", ".gitignore": ".aegis/\n", ".aegis.ts": CONFIG });
  cleanups.push(() => rmSync(repo, { recursive: true, force: true }));
  return repo;
}

/** The project's state: its .aegis/state.db on SQLite (where the command line looks), a fresh database on PostgreSQL. */
const stateOf = new Map<string, string>();

async function runtime(b: RuntimeBackend, repo: string, reply: ScriptedOptions["reply"], queue: Record<string, unknown>): Promise<Runtime> {
  const config = testConfig({ w: { reply } }, { q: { agent: "w", maxParallel: 2, ...queue } }, repo);
  const location = b.name === "sqlite" ? join(repo, ".aegis", "state.db") : await b.fresh();
  stateOf.set(repo, location);
  cleanups.push(() => void stateOf.delete(repo));
  return await b.runtime(location, { config, queues: { pollMs: 0 } });
}

async function aegis(b: RuntimeBackend, repo: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const location = stateOf.get(repo)!;
  const env = { ...process.env, NO_COLOR: "1", ...b.childEnv(location) };
  const p = Bun.spawn([process.execPath, MAIN, ...args, "--cwd", repo], { cwd: repo, stdout: "pipe", stderr: "pipe", env });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

describeRuntimes("queues with isolation: worktree (#11)", (b) => {
  test("two parallel workers edit the same file, each in its own worktree; the main checkout is untouched; tasks carry branch, commit, diff", async () => {
    const repo = project();
    const both = gate();
    let started = 0;
    const seen: Record<string, { cwd: string; others: boolean }> = {};
    const rt = await runtime(b, repo, async (prompt, { cwd }) => {
      const me = prompt.trim();
      writeFileSync(join(cwd, "notes.txt"), `line one\nedited by ${me}\n`);
      writeFileSync(join(cwd, `${me}.txt`), `${me}\n`);
      if (++started === 2) both.open();
      await within(both.wait(), 10_000, "both workers running");
      const other = me === "alpha" ? "beta" : "alpha";
      seen[me] = { cwd, others: existsSync(join(cwd, `${other}.txt`)) || readFileSync(join(cwd, "notes.txt"), "utf8").includes(other) };
      return `done ${me}`;
    }, { isolation: "worktree" });
    await rt.queues.start();
    const a = (await rt.queues.enqueue("q", "alpha")).taskId;
    const beta = (await rt.queues.enqueue("q", "beta")).taskId;
    await within(rt.queues.drain(), 20_000, "drain");

    expect(seen.alpha!.others).toBe(false);
    expect(seen.beta!.others).toBe(false);
    expect(seen.alpha!.cwd).not.toBe(seen.beta!.cwd);
    expect(seen.alpha!.cwd.startsWith(join(repo, ".git", "aegis-worktrees"))).toBe(true);
    // The main checkout never saw either edit.
    expect(readFileSync(join(repo, "notes.txt"), "utf8")).toBe("line one\n");
    expect(sh(repo, "status", "--porcelain")).toBe("");

    const ta = (await rt.queues.status(a))!;
    expect(ta).toMatchObject({ status: "done", result: "done alpha", branch: `aegis/${ta.workerHandle}`, base: sh(repo, "rev-parse", "main"), diff: { files: 2, added: 2, removed: 0 } });
    expect(ta.commit).toBe(sh(repo, "rev-parse", ta.branch!));
    // aegis committed the leftovers, under the queue's name and the payload.
    expect(sh(repo, "log", "-1", "--format=%s", ta.branch!)).toBe("q: alpha");
    expect(sh(repo, "show", `${ta.commit}:notes.txt`)).toBe("line one\nedited by alpha");
    expect(await rt.db.worktrees.getWorktree(ta.workerHandle!)).toMatchObject({ state: "kept" });

    // The command line sees the same record, and merges a task by its id; the second conflicts and changes nothing.
    expect(JSON.parse((await aegis(b, repo, "worktrees", "--json")).stdout)).toContainEqual(expect.objectContaining({ handle: ta.workerHandle, spawnedBy: "queue:q", state: "kept" }));
    const shown = await aegis(b, repo, "task", a, "--json");
    expect(JSON.parse(shown.stdout)).toMatchObject({ branch: ta.branch, commit: ta.commit, diff: { files: 2, added: 2, removed: 0 } });
    expect(JSON.parse((await aegis(b, repo, "merge", a, "--json")).stdout)).toEqual({ merged: true, commit: ta.commit });
    expect(readFileSync(join(repo, "alpha.txt"), "utf8")).toBe("alpha\n");
    const head = sh(repo, "rev-parse", "main");
    const conflict = await aegis(b, repo, "merge", beta, "--json");
    expect(conflict.code).toBe(1);
    expect(JSON.parse(conflict.stdout)).toEqual({ merged: false, conflicts: [{ path: "notes.txt" }] });
    expect(sh(repo, "rev-parse", "main")).toBe(head);
    expect(sh(repo, "status", "--porcelain")).toBe("");
    const text = await aegis(b, repo, "task", beta);
    expect(text.stdout).toMatch(new RegExp(`branch: +${(await rt.queues.status(beta))!.branch} @ [0-9a-f]{12} \\(2 files, \\+2 -0\\)`));
    // On PostgreSQL the command line read the database: it wrote no state file of its own.
    expect(existsSync(join(repo, ".aegis", "state.db"))).toBe(b.name === "sqlite");
  }, 30_000);

  test("a worker that changes nothing: commit null, zero stats, its clean worktree and branch removed", async () => {
    const repo = project();
    const rt = await runtime(b, repo, () => "nothing to do", { isolation: "worktree" });
    await rt.queues.start();
    const id = (await rt.queues.enqueue("q", "look only")).taskId;
    await within(rt.queues.drain(), 20_000, "drain");
    await rt.sessions.settled();
    const t = (await rt.queues.status(id))!;
    expect(t).toMatchObject({ status: "done", commit: null, diff: { files: 0, added: 0, removed: 0 } });
    expect(await rt.db.worktrees.getWorktree(t.workerHandle!)).toMatchObject({ state: "removed" });
    expect(sh(repo, "branch", "--list", t.branch!)).toBe("");
    const merge = await aegis(b, repo, "merge", id);
    expect(merge.code).toBe(2);
    expect(merge.stderr).toContain(`task ${id} changed nothing`);
  }, 30_000);

  test("the queue's base picks the branch each worktree starts from; a queue without isolation records no branch", async () => {
    const repo = project();
    sh(repo, "checkout", "-q", "-b", "release");
    writeFileSync(join(repo, "release-only.txt"), "r\n");
    sh(repo, "add", "-A");
    sh(repo, "commit", "-q", "-m", "release");
    sh(repo, "checkout", "-q", "main");
    const rt = await runtime(b, repo, (_p, { cwd }) => (existsSync(join(cwd, "release-only.txt")) ? "saw release" : "no release"), { isolation: "worktree", base: "release", keep: "always" });
    await rt.queues.start();
    const id = (await rt.queues.enqueue("q", "check")).taskId;
    await within(rt.queues.drain(), 20_000, "drain");
    const t = (await rt.queues.status(id))!;
    expect(t).toMatchObject({ result: "saw release", base: sh(repo, "rev-parse", "release"), commit: null });
    expect(await rt.db.worktrees.getWorktree(t.workerHandle!)).toMatchObject({ base_ref: "release", keep: "always" });

    const plain = await runtime(b, project(), () => "ok", {});
    await plain.queues.start();
    const pid = (await plain.queues.enqueue("q", "x")).taskId;
    await within(plain.queues.drain(), 20_000, "drain");
    expect(Object.keys((await plain.queues.status(pid))!)).not.toContain("branch");
  }, 30_000);

  test("a failed worker's leftovers are committed too; a cancelled one's are left uncommitted in its kept worktree", async () => {
    const repo = project();
    const hanging = gate();
    const rt = await runtime(b, repo, async (prompt, { cwd, signal }) => {
      writeFileSync(join(cwd, `${prompt.trim()}.txt`), "partial\n");
      if (prompt.includes("hang")) {
        hanging.open();
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
      }
      return { text: "I gave up", isError: true };
    }, { isolation: "worktree" });
    await rt.queues.start();
    const failed = (await rt.queues.enqueue("q", "broken")).taskId;
    const hung = (await rt.queues.enqueue("q", "hang")).taskId;
    const t = await within(rt.queues.waitFor(failed), 20_000, "the failed task");
    expect(t).toMatchObject({ status: "failed", diff: { files: 1, added: 1, removed: 0 } });
    expect(sh(repo, "show", `${t.commit}:broken.txt`)).toBe("partial");

    await within(hanging.wait(), 10_000, "the hung worker's file");
    const early = await aegis(b, repo, "merge", hung);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`task ${hung} is still running`);
    expect(await rt.queues.cancel(hung)).toMatchObject({ status: "cancelled", was: "running" });
    await rt.sessions.settled();
    const c = (await rt.queues.status(hung))!;
    expect(c).toMatchObject({ status: "cancelled", commit: null, diff: { files: 1, added: 1, removed: 0 } });
    const wt = (await rt.db.worktrees.getWorktree(c.workerHandle!))!;
    expect(wt.state).toBe("kept");
    expect(sh(wt.path, "status", "--porcelain")).toBe("?? hang.txt");
  }, 30_000);

});

describe("queue isolation in the config (#11)", () => {
  test("the config refuses a bad isolation or keep on a queue, naming the key and the allowed values", () => {
    const bad = () => validateConfig({ agents: { w: { provider: new Scripted({ reply: () => "x" }) } }, queues: { q: { agent: "w", isolation: "sandbox", keep: "sometimes" } } }, "/p/.aegis.ts", "/p");
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      expect((err as Error).message).toContain("queues.q.isolation");
      expect((err as Error).message).toContain("worktree");
      expect((err as Error).message).toContain("queues.q.keep");
    }
    // base and keep without a worktree would do nothing: refused, saying what to add; the agent's isolation counts.
    const raw = (agent: Record<string, unknown>) => ({ agents: { w: { provider: new Scripted({ reply: () => "x" }), ...agent } }, queues: { q: { agent: "w", base: "main" } } });
    expect(() => validateConfig(raw({}), "/p/.aegis.ts", "/p")).toThrow(/queues\.q\.base: base applies to worktrees.*add isolation: "worktree"/);
    expect(validateConfig(raw({ isolation: "worktree" }), "/p/.aegis.ts", "/p").queues.q).toMatchObject({ base: "main" });
  });
});
