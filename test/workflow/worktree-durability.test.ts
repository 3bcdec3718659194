// SIGKILL mid-run, then `aegis resume`, with two Scripted agents in git worktrees (#11): each resumed session goes
// back into its own worktree (its earlier edits there, no turn repeated), git's worktree list stays consistent (no
// stale or duplicate entries), and a merge in flight at the kill is not landed twice. On both backends (#15): on
// PostgreSQL every process of a chain gets AEGIS_DATABASE_URL of a fresh database, and the worktrees record this host.
import { expect, test } from "bun:test";
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnProcess } from "../../src/proc/spawn.ts";
import type { BackendName, Db } from "../../src/store/api.ts";
import { hostName } from "../../src/store/owners.ts";
import { openPgDb } from "../../src/store/postgres/db.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { commit, sh } from "../git/helpers.ts";
import { describeDb } from "../helpers/backends.ts";
import { freshDatabase, sharedPostgres } from "../helpers/postgres.ts";

const ROOT = join(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");
const BIN_PATH = `${join(ROOT, "node_modules/.bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
import { appendFileSync, readFileSync } from "node:fs";
const ed = new Scripted({ reply: (p, ctx) => {
  appendFileSync(ctx.cwd + "/notes.txt", ctx.handle + ": " + p.split("\\n").pop() + "\\n");
  return readFileSync(ctx.cwd + "/notes.txt", "utf8");
} });
export default defineConfig({ agents: { ed: { provider: ed } }, workflows: ["wt.ts"] });
`;

const WORKFLOW = `import { workflow } from "aegis";
export default workflow("wt", async (e) => {
  const a = await e.spawn("ed", { handle: "wt-a", isolation: "worktree" }); // 1
  const b = await e.spawn("ed", { handle: "wt-b", isolation: "worktree" }); // 2
  await e.send(a, "one");                                                    // 3
  await e.send(b, "one");                                                    // 4
  const a2 = await e.send(a, "two");                                         // 5
  const b2 = await e.send(b, "two");                                         // 6
  const m = await e.merge(a, { strategy: "squash", message: "land a" });     // 7
  return { a2, b2, merged: m.merged };
});
`;

interface Project extends Disposable {
  dir: TempDir;
  /** The children's AEGIS_DATABASE_URL on PostgreSQL; nothing on SQLite (.aegis/state.db). */
  env: Record<string, string>;
  open(): Promise<Db>;
}

async function aegis(p: Project, args: string[], failpoint?: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const child = spawnProcess({
    cmd: [process.execPath, MAIN, ...args], cwd: p.dir.path, timeoutMs: 30_000,
    env: { PATH: BIN_PATH, NO_COLOR: "1", ...p.env, ...(failpoint ? { AEGIS_FAILPOINT: failpoint } : {}) },
  });
  child.endStdin();
  const lines: string[] = [];
  for await (const l of child.lines()) lines.push(l);
  const status = await child.exited;
  await child.stop({ graceMs: 100 });
  return { ...status, stdout: lines.join("\n"), stderr: child.stderrTail() };
}

async function project(backend: BackendName): Promise<Project> {
  const dir = tempDir("aegis-wt-kill");
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
  writeFileSync(dir.join("wt.ts"), WORKFLOW);
  writeFileSync(dir.join("README.md"), "hello\n");
  sh(dir.path, "init", "-q", "-b", "main");
  commit(dir.path, "init");
  const url = backend === "postgres" ? await freshDatabase(await sharedPostgres()) : undefined;
  return {
    dir, env: url ? { AEGIS_DATABASE_URL: url } : {},
    open: async () => (url ? await openPgDb(url) : sqliteDb(openStore(dir.join(".aegis", "state.db")))),
    [Symbol.dispose]: () => dir[Symbol.dispose](),
  };
}

async function withDb<T>(p: Project, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await p.open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

describeDb("worktrees survive SIGKILL and resume (#11)", (b) => {
  for (const kills of [["effect:1"], ["commit:4"], ["commit:4", "effect:7"], ["mid:5:0"]]) {
    test(`killed at ${kills.join(", then ")}, resumed: each session is back in its own worktree (#11)`, async () => {
      using p = await project(b.name);
      const root = realpathSync(p.dir.path);
      let id: string | undefined;
      for (const fp of kills) {
        const out = await aegis(p, id ? ["resume", id, "--json"] : ["run", "wt", "--json"], fp);
        expect(out.signal, out.stderr).toBe("SIGKILL");
        id = await withDb(p, async (db) => (await db.runs.listRuns(1))[0]!.id);
        // Until the merge, the main checkout is untouched.
        if (fp !== "effect:7") expect(sh(root, "status", "--porcelain")).toBe("");
      }
      const final = await aegis(p, ["resume", id!, "--json"]);
      expect(final.code, final.stderr).toBe(0);
      const end = final.stdout.split("\n").filter((l) => l.includes('"run_end"')).map((l) => JSON.parse(l)).pop();
      expect(end.result).toEqual({ a2: "wt-a: one\nwt-a: two\n", b2: "wt-b: one\nwt-b: two\n", merged: true });
      const wts = join(root, ".git", "aegis-worktrees");
      expect(readFileSync(join(wts, "wt-b", "notes.txt"), "utf8")).toBe("wt-b: one\nwt-b: two\n");
      const list = sh(root, "worktree", "list", "--porcelain");
      expect(list.match(/^worktree /gm)).toHaveLength(3);
      expect(list).not.toContain("prunable");
      expect(sh(root, "log", "--format=%s", "main")).toBe("land a\ninit");
      expect(sh(root, "show", "main:notes.txt")).toBe("wt-a: one\nwt-a: two");
      expect(sh(root, "status", "--porcelain")).toBe("");
      const rows = await withDb(p, (db) => db.worktrees.listWorktrees({ includeRemoved: true }));
      expect(rows.map((w) => [w.handle, w.host]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([["wt-a", hostName()], ["wt-b", hostName()]]);
    }, 90_000);
  }
});
