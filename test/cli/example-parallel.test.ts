// The quickstart's `parallel` example (#11), run as a user runs it: `aegis run parallel` in a copy of
// examples/quickstart made a git repository. alice and bob write greeting.txt in their own worktrees; alice's merge
// lands, bob's conflicts and goes back to bob, who merges main in and resolves; then `aegis worktrees prune --merged`
// cleans up. Outside a git repository of its own the example refuses, saying what to do.

import { afterAll, expect, test } from "bun:test";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { sh } from "../git/helpers.ts";

const ROOT = join(import.meta.dir, "..", "..");
const dir = tempDir("aegis-example-parallel");
afterAll(() => dir.remove());

function copyExample(name: string): string {
  const project = dir.join(name);
  cpSync(join(ROOT, "examples", "quickstart"), project, { recursive: true, filter: (src) => !src.includes("/.aegis/") && !src.endsWith("/.aegis") });
  return project;
}

async function aegis(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args], {
    cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("aegis run parallel: two agents in worktrees, one clean merge, a conflict handed back and resolved (#11)", async () => {
  const project = copyExample("repo");
  sh(project, "init", "-q", "-b", "main");
  sh(project, "add", "-A");
  sh(project, "commit", "-q", "-m", "start");
  const r = await aegis(project, "run", "parallel");
  expect(r.stderr).toContain("✓ parallel done");
  expect(r.stderr).toMatch(/bob's merge conflicts on greeting\.txt: handing it back to bob/);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { into: string; alice: string; bob: string; greeting: string };
  expect(out.into).toBe("main");
  expect(out.greeting).toBe("Hello from alice\nHello from bob\n");
  // main has both: alice's commit, then bob's merge of main into his branch; the checkout is clean.
  expect(sh(project, "rev-parse", "main")).toBe(out.bob);
  expect(sh(project, "merge-base", "--is-ancestor", out.alice, out.bob)).toBe("");
  expect(readFileSync(join(project, "greeting.txt"), "utf8")).toBe(out.greeting);
  expect(sh(project, "status", "--porcelain")).toBe("");

  const listed = JSON.parse((await aegis(project, "worktrees", "--json")).stdout) as { state: string; merged: unknown }[];
  expect(listed).toHaveLength(2);
  expect(listed.every((w) => w.state === "kept" && w.merged !== null)).toBe(true);
  const pruned = JSON.parse((await aegis(project, "worktrees", "prune", "--merged", "--json")).stdout) as { removed: unknown[] };
  expect(pruned.removed).toHaveLength(2);
  expect(sh(project, "for-each-ref", "refs/heads/aegis/")).toBe("");
}, 60_000);

test("outside a git repository of its own, the example refuses and says how to make one (#11)", async () => {
  const project = copyExample("plain");
  const r = await aegis(project, "run", "parallel");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("git init && git add -A && git commit -m start");
  rmSync(project, { recursive: true, force: true });
}, 60_000);
