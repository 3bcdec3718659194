// Machine-bound state as a user sees it (#15): runs and worktrees record their host; `aegis runs` / `aegis worktrees`
// show it (a HOST column only once another machine's rows appear, `--json` always), and `aegis resume`, `aegis merge`
// and `aegis worktrees prune` refuse another machine's run or worktree, naming its host. Each command is its own
// process, on both backends (SQLite: AEGIS_STATE_DIR at the suite's file; PostgreSQL: AEGIS_DATABASE_URL).

import { afterEach, beforeEach, expect, test } from "bun:test";
import { dirname, join } from "node:path";
import { rmSync } from "node:fs";
import { commitAll } from "../../src/git/changes.ts";
import { openRepo } from "../../src/git/repo.ts";
import { addWorktree } from "../../src/git/worktree.ts";
import type { Db } from "../../src/store/api.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";
import { makeRepo, sh, writeFiles } from "../git/helpers.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
const HERE = "here-1";
const AWAY = "gpu-box-7";
const CONFIG = `import { defineConfig, Scripted, workflow } from "aegis";
workflow("greet", async (e) => e.send(await e.spawn("w"), "hello"));
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: (p) => "re: " + p }) } } });
`;

describeDb("machine-bound runs and worktrees (#15)", (b) => {
  let repo: string;
  let db: Db;
  let env: Record<string, string>;

  beforeEach(async () => {
    repo = makeRepo({ "README.md": "hello\n", ".gitignore": ".aegis/\n", ".aegis.ts": CONFIG });
    const opened = await b.open();
    db = opened.db;
    env = b.name === "sqlite" ? { AEGIS_STATE_DIR: dirname(opened.location) } : { AEGIS_DATABASE_URL: opened.location, AEGIS_STATE_DIR: "" };
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  async function aegis(args: string[], host = HERE): Promise<{ code: number; stdout: string; stderr: string }> {
    const p = Bun.spawn([process.execPath, MAIN, ...args, "--cwd", repo], {
      cwd: repo, stdout: "pipe", stderr: "pipe", stdin: "ignore",
      env: { ...process.env, NO_COLOR: "1", CI: "1", AEGIS_DATABASE_URL: "", ...env, AEGIS_HOST_ID: host },
    });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, stdout, stderr };
  }

  /** A run another machine started and left interrupted (resumable, but only there). */
  async function foreignRun(id: string): Promise<void> {
    await db.tx(async (t) => {
      await t.runs.insertRun({ id, workflow: "greet", args: {}, host: AWAY, at: Date.now() - 60_000 });
      await t.runs.finishRun(id, { status: "interrupted", at: Date.now() - 30_000, attemptMs: 1000, error: "interrupted", errorCode: "E_CANCELLED" });
    }, { durable: true });
  }

  test("aegis runs shows no HOST column while one machine's runs are listed; --json always carries the host", async () => {
    const ran = await aegis(["run", "greet"]);
    expect(ran.stderr).toContain("done");
    expect(ran.code).toBe(0);
    const listed = JSON.parse((await aegis(["runs", "--json"])).stdout) as { runId: string; host: string | null }[];
    expect(listed.map((r) => r.host)).toEqual([HERE]);
    const text = (await aegis(["runs"])).stdout;
    expect(text).toContain(listed[0]!.runId);
    expect(text).not.toContain(HERE);
  });

  test("another machine's run: listed with a HOST column, shown with its host, and aegis resume refuses it naming the host", async () => {
    expect((await aegis(["run", "greet"])).code).toBe(0);
    await foreignRun("run_remote1");
    const text = (await aegis(["runs"])).stdout.trim().split("\n");
    expect(text.find((l) => l.startsWith("run_remote1"))).toMatch(/^run_remote1 {2}gpu-box-7 {2}greet/);
    expect(text.find((l) => !l.startsWith("run_remote1"))).toMatch(/^run_\S+ {2}here-1 {5}greet/);
    expect((await aegis(["runs", "show", "run_remote1"])).stdout).toContain("on host gpu-box-7");
    const json = JSON.parse((await aegis(["runs", "show", "run_remote1", "--json"])).stdout) as { host: string; status: string };
    expect(json).toMatchObject({ host: AWAY, status: "interrupted" });

    const refused = await aegis(["resume", "run_remote1"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("run run_remote1 ran on host gpu-box-7");
    expect(refused.stderr).toContain(`cannot be resumed on ${HERE}`);
    expect(await db.runs.getRun("run_remote1")).toMatchObject({ status: "interrupted", attempt: 1 }); // untouched

    // On its own host the same run resumes (the refusal is the host, nothing else).
    const resumed = await aegis(["resume", "run_remote1"], AWAY);
    expect(resumed.stderr).toContain("done");
    expect(resumed.code).toBe(0);
    expect(await db.runs.getRun("run_remote1")).toMatchObject({ status: "done", attempt: 2, host: AWAY });
  });

  test("a running serve refuses to resume another machine's run and leaves it alone at its start (#15)", async () => {
    // Crashed on its machine (crashed runs are what a serve resumes at its start).
    await db.tx(async (t) => {
      await t.runs.insertRun({ id: "run_remote2", workflow: "greet", args: {}, owner: "own_gone", host: AWAY, at: Date.now() });
      await t.runs.markRunCrashed("run_remote2", Date.now(), "its process died");
    }, { durable: true });
    const serve = Bun.spawn([process.execPath, MAIN, "serve", "--poll-ms", "50", "--cwd", repo], {
      cwd: repo, stdin: "ignore", stdout: "ignore", stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1", CI: "1", AEGIS_DATABASE_URL: "", ...env, AEGIS_HOST_ID: HERE },
    });
    let err = "";
    void (async () => {
      for await (const c of serve.stderr) err += new TextDecoder().decode(c);
    })();
    try {
      await waitFor(() => err.includes("control socket") || serve.exitCode !== null, { timeoutMs: 20_000, what: "serve to listen" });
      expect(serve.exitCode).toBeNull();
      const refused = await aegis(["resume", "run_remote2", "--detach"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("run run_remote2 ran on host gpu-box-7");
      expect(err).not.toContain("resuming run run_remote2");
      expect(await db.runs.getRun("run_remote2")).toMatchObject({ status: "crashed", attempt: 1 });
    } finally {
      serve.kill("SIGTERM");
      await serve.exited;
    }
  });

  test("another machine's worktree: listed with its host and not inspected here; merge refuses it, prune leaves it", async () => {
    const r = await openRepo(repo);
    const wt = await addWorktree(r, "local");
    writeFiles(wt.path, { "feature.txt": "from local\n" });
    await commitAll(wt.path, "local: work");
    const row = (handle: string, host: string, path: string, branch: string) => ({
      handle, sessionId: `ses_${handle}`, spawnedBy: "user", repo: r.root, path, branch, base: wt.base, baseRef: wt.baseRef, keep: "changed" as const, at: Date.now(), host,
    });
    await db.tx(async (t) => {
      await t.worktrees.insertWorktree(row("local", HERE, wt.path, wt.branch));
      await t.worktrees.setWorktreeState("local", "kept", Date.now());
    }, { durable: true });

    const alone = (await aegis(["worktrees"])).stdout;
    expect(alone).toContain("local  kept  aegis/local  +1 -0 vs main");
    expect(alone).not.toContain(HERE);

    // Same repository path as here, on purpose: git here must not be asked about another machine's folder.
    await db.tx(async (t) => {
      await t.worktrees.insertWorktree(row("remote", AWAY, join(r.root, ".aegis", "worktrees", "remote"), "aegis/remote"));
      await t.worktrees.setWorktreeState("remote", "kept", Date.now());
    }, { durable: true });
    const infos = JSON.parse((await aegis(["worktrees", "--json"])).stdout) as { handle: string; host: string; exists: boolean; ahead: number | null; error?: string }[];
    expect(infos.find((w) => w.handle === "local")).toMatchObject({ host: HERE, exists: true, ahead: 1 });
    expect(infos.find((w) => w.handle === "remote")).toMatchObject({ host: AWAY, exists: false, ahead: null, error: "its folder is on host gpu-box-7" });
    const text = (await aegis(["worktrees"])).stdout;
    expect(text).toContain("local  here-1     kept  aegis/local  +1 -0 vs main");
    expect(text).toContain("remote  gpu-box-7  kept  aegis/remote  (on host gpu-box-7: inspect, merge or prune it there)");

    const merge = await aegis(["merge", "remote"]);
    expect(merge.code).toBe(1);
    expect(merge.stderr).toContain('the worktree of "remote" (aegis/remote) is on host gpu-box-7: it cannot be merged on here-1');

    const prune = JSON.parse((await aegis(["worktrees", "prune", "--force", "--json"])).stdout) as { removed: { handle: string }[]; skipped: { handle: string; branch: string; reason: string; host?: string }[] };
    expect(prune.removed.map((x) => x.handle)).toEqual(["local"]);
    expect(prune.skipped).toEqual([{ handle: "remote", branch: "aegis/remote", reason: "its folder is on host gpu-box-7", host: AWAY }]);
    expect((await db.worktrees.getWorktree("remote"))?.state).toBe("kept");
    expect(sh(repo, "branch", "--list", "aegis/local")).toBe("");
  });
});
