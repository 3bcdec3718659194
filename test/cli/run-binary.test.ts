// The compiled binary runs the quickstart's workflows from a temp copy of examples/quickstart with no node_modules
// anywhere: the workflow files' `import … from "aegis"` resolves inside the binary. Includes a run stopped by
// --timeout and finished by `aegis resume`.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileAegis } from "../../scripts/compile.ts";

const ROOT = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "aegis-run-binary-"));
const bin = join(dir, "aegis");
const project = join(dir, "quickstart");

beforeAll(async () => {
  await compileAegis(bin);
  cpSync(join(ROOT, "examples", "quickstart"), project, { recursive: true, filter: (src) => !src.includes("/.aegis/") && !src.endsWith("/.aegis") });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  const p = Bun.spawn([bin, ...args], { cwd: project, stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin", HOME: dir, NO_COLOR: "1" } });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("the binary runs the quickstart workflow end to end in a folder with no node_modules", async () => {
  expect(existsSync(join(project, "node_modules"))).toBe(false);
  const r = await run(["run", "quickstart"]);
  expect(r.stderr).toContain("✓ quickstart done");
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ topic: "durable workflows", review: "LGTM: the draft reads well.", file: ".aegis/out/draft.md" });
  expect(existsSync(join(project, ".aegis", "out", "draft.md"))).toBe(true);
  const list = await run(["workflow", "list"]);
  expect(list.stdout.split("\n").filter(Boolean).map((l) => l.split(" ")[0])).toEqual([
    "chapters", "execute-plan", "fix-ci", "outline", "parallel", "predicate", "prompt", "quickstart", "review-all", "review-branch", "tdd-cycle",
  ]); // the built-in catalog (#13) is embedded beside the project's own
  // The workflow's `z` schema (from "aegis", embedded in the binary) types, checks and lists its arguments (#10).
  const help = await run(["run", "quickstart", "--help"]);
  expect(help.stdout).toMatch(/--topic <string>\s+What the sentence is about \(default: "durable workflows"\)/);
  const bad = await run(["run", "review-all", "--count=0"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("--count");
});

test("the binary runs, validates and plans the no-code example (Bun's YAML parser and ajv inside the binary) (#13)", async () => {
  const r = await run(["run", "outline", "--topic=bees"]);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).sections).toEqual(["opening", "middle", "ending"].map((s) => `draft 1: Write the ${s} of a note about bees.`));
  expect((await run(["workflow", "validate", "workflows/outline.yaml"])).stdout).toBe('ok: workflows/outline.yaml: workflow "outline", 5 nodes\n');
  expect((await run(["workflow", "plan", "workflows/outline.yaml"])).stdout).toStartWith("outline (workflows/outline.yaml): exactly 4 agents, 4 turns\n");
  writeFileSync(join(project, "typed.yaml"), "name: typed\nroot: { type: agent, id: a, agent: writer, prompt: hi, schema: { type: objct } }\n");
  const bad = await run(["workflow", "validate", "typed.yaml"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('typed.yaml: root (id "a"): schema is not a valid JSON Schema');
});

test("the binary resumes the chapters example after --timeout stopped it", async () => {
  const first = await run(["run", "chapters", "--timeout", "1s"]);
  expect(first.code).toBe(1);
  const runId = /aegis resume (run_\w+)/.exec(first.stderr)![1]!;
  const second = await run(["resume", runId]);
  expect(second.code).toBe(0);
  expect(second.stderr).toContain("resuming after chapter");
  expect(JSON.parse(second.stdout)).toHaveLength(4);
  const predicate = await run(["run", "predicate"]);
  expect(predicate.code).toBe(0);
  expect(predicate.stdout).toBe("build ok\n");
  expect(predicate.stderr).toContain("attempt 1 of 3: feedback to");
  const fanout = await run(["run", "review-all", "--count=3"]);
  expect(JSON.parse(fanout.stdout)).toHaveLength(3);
});

test("(#11) the binary runs the parallel example in a git repository: worktrees, a merge, a conflict resolved by its agent", async () => {
  const init = (...args: string[]) => Bun.spawnSync(["git", "-C", project, ...args], { env: { PATH: "/usr/bin:/bin", HOME: dir, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } });
  expect(init("init", "-q", "-b", "main").exitCode).toBe(0);
  writeFileSync(join(project, ".gitignore"), ".aegis/\n");
  expect(init("add", "-A").exitCode).toBe(0);
  expect(init("commit", "-q", "-m", "start").exitCode).toBe(0);
  const r = await run(["run", "parallel"]);
  expect(r.stderr).toContain("✓ parallel done");
  expect(JSON.parse(r.stdout)).toMatchObject({ into: "main", greeting: "Hello from alice\nHello from bob\n" });
});

test("(#13) the binary embeds the built-in catalog: workflow show documents it, review-branch writes its report", async () => {
  const git = (...args: string[]) => Bun.spawnSync(["git", "-C", project, ...args], { env: { PATH: "/usr/bin:/bin", HOME: dir, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } });
  if (git("rev-parse", "--verify", "main").exitCode !== 0) {
    expect(git("init", "-q", "-b", "main").exitCode).toBe(0);
    writeFileSync(join(project, ".gitignore"), ".aegis/\n");
    git("add", "-A");
    expect(git("commit", "-q", "-m", "start").exitCode).toBe(0);
  }
  expect(git("checkout", "-q", "-b", "catalog-check").exitCode).toBe(0);
  writeFileSync(join(project, "NOTES.md"), "a new line to review\n");
  git("add", "NOTES.md");
  expect(git("commit", "-q", "-m", "notes").exitCode).toBe(0);
  const show = await run(["workflow", "show", "review-branch"]);
  expect(show.stdout).toStartWith("review-branch (built-in)\n");
  const r = await run(["run", "review-branch", "--reviewers", "reviewer,writer"]);
  expect(r.code).toBe(0);
  const report = (JSON.parse(r.stdout) as { report: string }).report;
  expect(report).toMatch(/^docs\/reviews\/\d{4}-\d\d-\d\d-catalog-check\.md$/);
  const text = await Bun.file(join(project, report)).text();
  expect(text).toContain("+a new line to review");
  expect(text).toContain("## Review 1: reviewer");
  expect(text).toContain("## Review 2: writer");
});
