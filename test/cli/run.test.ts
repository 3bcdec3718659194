// `aegis run`, `aegis resume`, `aegis runs`, `aegis workflow list` as a user runs them (a subprocess on a project using
// the Scripted agent): stdout carries only the result (or NDJSON), exit codes 0 / 1 / 2 / 130, the way failures and
// crashes are recorded, askHuman on a terminal (a pty from `script`) and without one, arguments typed by a schema or free.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const base = mkdtempSync(join(tmpdir(), "aegis-run-cli-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const project = join(base, "proj");
mkdirSync(join(project, "workflows"), { recursive: true });
writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: { writer: { provider: new Scripted({ reply: (p) => "re: " + p.split("\\n").pop(), usage: { costUsd: 0.5 } }) } },
  queues: { review: { agent: "writer", maxParallel: 1 }, other: { agent: "writer", maxParallel: 1 } },
  workflows: ["workflows/"],
});
`);
writeFileSync(join(project, "workflows", "basic.ts"), `import { workflow, WorkflowError, z } from "aegis";
workflow("greet", async (e, { who, times, loud }) => {
  const h = await e.spawn("writer");
  const out = [];
  for (let i = 0; i < times; i++) out.push(await e.send(h, "hello " + who));
  return loud ? out.join(" ").toUpperCase() : out.join(" ");
}, {
  description: "Greets someone",
  args: z.object({
    who: z.string().default("world").describe("Whom to greet"),
    times: z.number().int().min(1).max(5).default(1),
    loud: z.boolean().default(false),
  }),
});
workflow("free", async (_e, args) => JSON.stringify(args));
workflow("structured", async () => ({ n: 1, list: [1, 2] }));
workflow("refuse", async () => { throw new WorkflowError("the reviewer said no"); });
workflow("crash", async () => { const x = undefined; return x.boom; });
workflow("ask", async (e) => "chose " + await e.askHuman("Ship it?", { options: ["yes", "no"] }));
workflow("spend", async (e) => { const h = await e.spawn("writer"); for (;;) await e.send(h, "more"); });
workflow("slow", async (e) => { await e.bash("sleep 20"); return "late"; });
workflow("deleg", async (e) => e.delegate("review", "check this"));
`);
writeFileSync(join(base, "single.ts"), `import { workflow } from "aegis";
export default workflow("from-file", async (e, { n = 2 }) => n * 21);
`);

async function aegis(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args], {
    cwd: project, stdout: "pipe", stderr: "pipe", stdin: "ignore",
    env: { ...process.env, NO_COLOR: "1", CI: "1", ...env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

const ndjson = (s: string) => s.trim().split("\n").map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });

describe("aegis run", () => {
  test("prints the result on stdout (strings as is) and progress plus the summary on stderr; arguments typed by the schema", async () => {
    const r = await aegis(["run", "greet", "--who=Ada", "--times", "2", "--loud"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("RE: HELLO ADA RE: HELLO ADA\n");
    expect(r.stderr).toContain("[2] send ");
    expect(r.stderr).toContain("✓ greet done");
    expect(r.stderr).toMatch(/3 steps · 1 session · \d+ tokens · \$1\.00/);
    const structured = await aegis(["run", "structured"]);
    expect(JSON.parse(structured.stdout)).toEqual({ n: 1, list: [1, 2] });
  });

  test("runs a file given on the command line", async () => {
    const r = await aegis(["run", join(base, "single.ts"), "--n=5"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("105\n");
  });

  test("--json puts NDJSON events (only) on stdout, ending with run_end carrying the result", async () => {
    const r = await aegis(["run", "greet", "--json"]);
    expect(r.code).toBe(0);
    const events = ndjson(r.stdout);
    expect(events[0]).toMatchObject({ v: 1, type: "run_start", workflow: "greet", args: { who: "world", times: 1, loud: false } });
    expect(events.at(-1)).toMatchObject({ type: "run_end", status: "done", result: "re: hello world" });
    expect(r.stderr).not.toContain("✓");
  });

  test("WorkflowError exits 1 with its message, recorded as failed; a TypeError exits 1 with its stack, recorded as crashed", async () => {
    const refused = await aegis(["run", "refuse"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("aegis: the reviewer said no");
    expect(refused.stderr).not.toContain("    at ");
    const crashed = await aegis(["run", "crash"]);
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toContain("TypeError");
    expect(crashed.stderr).toMatch(/ {4}at .*basic\.ts/);
    const runs = JSON.parse((await aegis(["runs", "--json"])).stdout) as { runId: string; workflow: string; status: string; error?: { code: string | null; stack?: string } }[];
    const byName = (n: string) => runs.find((x) => x.workflow === n)!;
    expect(byName("refuse")).toMatchObject({ status: "failed", error: { code: "E_WORKFLOW", message: "the reviewer said no" } });
    expect(byName("refuse").error?.stack).toBeUndefined();
    expect(byName("crash")).toMatchObject({ status: "crashed", error: { code: null } });
    expect(byName("crash").error?.stack).toContain("basic.ts");
  });

  test("usage mistakes exit 2: unknown workflow (with a suggestion), a badly typed argument", async () => {
    const unknown = await aegis(["run", "gret"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown workflow "gret"');
    expect(unknown.stderr).toContain('did you mean "greet"');
    const typed = await aegis(["run", "greet", "--times=lots"]);
    expect(typed.code).toBe(2);
    expect(typed.stderr).toMatch(/--times: .*expected number.*"lots"/);
  });

  test("a workflow's schema checks its arguments: a value out of range or an unknown one exits 2, naming it (#10)", async () => {
    const range = await aegis(["run", "greet", "--times", "9"]);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/bad argument for workflow "greet": --times: .*<=5.*\(got 9\)/);
    const unknown = await aegis(["run", "greet", "--whom=Ada"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('workflow "greet" takes no argument --whom; did you mean --who?');
    // aegis's own flags are still checked strictly
    const own = await aegis(["run", "greet", "--timeout"]);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain("--timeout needs a value");
  });

  test("run <workflow> --help lists its arguments with types and defaults from its schema (#10)", async () => {
    const r = await aegis(["run", "greet", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--max-cost"); // the run command's own flags, from their one declaration
    expect(r.stdout).toContain("WORKFLOW greet: Greets someone");
    expect(r.stdout).toMatch(/--who <string>\s+Whom to greet \(default: "world"\)/);
    expect(r.stdout).toMatch(/--times <integer>\s+\(default: 1\)/);
    expect(r.stdout).toMatch(/--loud\s+\(default: false\)/);
    const free = await aegis(["run", "free", "--help"]);
    expect(free.stdout).toContain("free --key=value arguments");
  });

  test("a workflow without a schema takes free --key=value arguments, typed by their text (#10)", async () => {
    const r = await aegis(["run", "free", "--n=3", "--who", "Ada", "--dry-run", "--no-color", "--id=007"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ n: 3, who: "Ada", dryRun: true, color: false, id: "007" });
  });

  test("askHuman without a terminal fails naming --answer (exit 2); with --answer it goes on; resume takes --answer too", async () => {
    const noTty = await aegis(["run", "ask"]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain("pass --answer ship-it=yes|no");
    const answered = await aegis(["run", "ask", "--answer", "ship-it=no"]);
    expect(answered.stdout).toBe("chose no\n");
    const runId = /resume with: aegis resume (run_\w+)/.exec(noTty.stderr)![1]!;
    const resumed = await aegis(["resume", runId, "--answer=ship-it=1"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe("chose yes\n");
  });

  test("askHuman on a terminal prompts with the options and takes the typed answer", async () => {
    const cmd = [process.execPath, join(ROOT, "src", "main.ts"), "run", "ask"].map((a) => `'${a}'`).join(" ");
    const p = Bun.spawn(["script", "-qec", cmd, "/dev/null"], {
      cwd: project, stdin: new Blob(["2\n"]), stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", CI: "", TERM: "xterm" },
    });
    const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    expect(code).toBe(0);
    expect(out).toContain("? Ship it?");
    expect(out).toContain("2) no");
    expect(out).toContain("chose no");
  });

  test("(#5) Ctrl-C while askHuman prompts on a terminal exits 130 and records the step as interrupted, not as 'no terminal'", async () => {
    const cmd = [process.execPath, join(ROOT, "src", "main.ts"), "run", "ask"].map((a) => `'${a}'`).join(" ");
    const p = Bun.spawn(["script", "-qec", cmd, "/dev/null"], {
      cwd: project, stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", CI: "", TERM: "xterm" },
    });
    const reader = p.stdout.getReader();
    let seen = "";
    while (!seen.includes("> ")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    expect(seen).toContain("? Ship it?");
    await p.stdin.write("\x03"); // the pty's line discipline turns ^C into SIGINT for the foreground process group
    await p.stdin.flush();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    await p.stdin.end();
    expect(await p.exited).toBe(130);
    const runId = /resume with: aegis resume (run_\w+)/.exec(seen)![1]!;
    const show = JSON.parse((await aegis(["runs", "show", runId, "--json"])).stdout) as { status: string; steps: { label: string; status: string; error?: string }[] };
    expect(show.status).toBe("interrupted");
    const step = show.steps.find((s) => s.label.startsWith("ask "))!;
    expect(step.error).toContain("interrupted");
    expect(step.error).not.toContain("no terminal");
  });

  test("--max-cost and --timeout stop the run (exit 1), which stays resumable", async () => {
    const spent = await aegis(["run", "spend", "--max-cost", "1.2"]);
    expect(spent.code).toBe(1);
    expect(spent.stderr).toContain("over --max-cost $1.2");
    expect(spent.stderr).toMatch(/resume with: aegis resume run_\w+/);
    const slow = await aegis(["run", "slow", "--timeout", "300ms"]);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain("the run exceeded --timeout 300 ms");
  });

  test("Ctrl-C (SIGINT) stops the run with exit 130 and a resumable run", async () => {
    const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "run", "slow", "--json"], {
      cwd: project, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" },
    });
    const reader = p.stdout.getReader();
    let seen = "";
    while (!seen.includes('"step_start"')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    p.kill("SIGINT");
    expect(await p.exited).toBe(130);
    const runId = /"runId":"(run_\w+)"/.exec(seen)![1]!;
    const show = JSON.parse((await aegis(["runs", "show", runId, "--json"])).stdout);
    expect(show).toMatchObject({ status: "interrupted", error: { code: "E_CANCELLED" } });
  });

  test("aegis cancel <runId> stops a run running in another process; it ends cancelled", async () => {
    const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "run", "slow", "--json"], {
      cwd: project, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" },
    });
    const reader = p.stdout.getReader();
    let seen = "";
    while (!seen.includes('"step_start"')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    const runId = /"runId":"(run_\w+)"/.exec(seen)![1]!;
    const cancel = await aegis(["cancel", runId]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe(`${runId}: cancelled\n`);
    expect(await p.exited).toBe(130);
  });

  test("GITHUB_STEP_SUMMARY receives the markdown summary", async () => {
    const file = join(base, "gh-summary.md");
    const r = await aegis(["run", "structured"], { GITHUB_STEP_SUMMARY: file });
    expect(r.code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("### aegis workflow `structured`");
  });

  test("(#5) an unwritable GITHUB_STEP_SUMMARY leaves a successful run at exit 0 with its result, and warns on stderr", async () => {
    const file = join(base, "no-such-dir", "s.md");
    const r = await aegis(["run", "structured"], { GITHUB_STEP_SUMMARY: file });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ n: 1, list: [1, 2] });
    expect(r.stderr).toContain("✓ structured done");
    expect(r.stderr).toContain(`could not append the run summary to ${file}`);
    expect(r.stderr).toContain("ENOENT");
    expect(r.stderr).not.toContain("    at ");
  });
});

describe("aegis runs, resume, workflow list", () => {
  test("runs lists newest first with runId, workflow, status; runs show has the steps and the result", async () => {
    await aegis(["run", "greet"]);
    const runs = JSON.parse((await aegis(["runs", "--json"])).stdout) as { runId: string; workflow: string; status: string; createdAt: string }[];
    expect(runs.length).toBeGreaterThan(0);
    expect(runs[0]).toMatchObject({ workflow: "greet", status: "done" });
    expect(runs.map((r) => r.runId)).toEqual([...runs.map((r) => r.runId)].sort().reverse());
    const show = await aegis(["runs", "show", runs[0]!.runId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("[2] send ");
    expect(show.stdout).toContain("result: re: hello world");
    expect((await aegis(["runs", "show", "run_nope"])).code).toBe(2);
  });

  test("(#5) --limit takes a positive integer: 0, negatives, fractions and words are usage errors (exit 2)", async () => {
    for (const bad of ["0", "-1", "1.5", "lots", ""]) {
      const r = await aegis(["runs", `--limit=${bad}`]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("--limit must be a positive integer");
    }
    await aegis(["run", "structured"]);
    await aegis(["run", "structured"]);
    const one = JSON.parse((await aegis(["runs", "--json", "--limit", "1"])).stdout) as unknown[];
    expect(one).toHaveLength(1);
  });

  test("resume of a finished run prints its result; of an unknown run is a usage error", async () => {
    const runs = JSON.parse((await aegis(["runs", "--json"])).stdout) as { runId: string; status: string; workflow: string }[];
    const done = runs.find((r) => r.status === "done" && r.workflow === "greet")!;
    const again = await aegis(["resume", done.runId]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("re: hello world\n");
    expect(again.stderr).toContain("already done");
    expect((await aegis(["resume", "run_nope"])).code).toBe(2);
  });

  test("workflow list shows the registered workflows with their descriptions", async () => {
    const r = await aegis(["workflow", "list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ask\n/);
    expect(r.stdout).toMatch(/^greet +Greets someone$/m); // the column is as wide as the longest name, built-ins included (#13)
    const json = JSON.parse((await aegis(["workflow", "list", "--json"])).stdout) as { name: string; defaults: unknown; args: unknown }[];
    expect(json.find((w) => w.name === "greet")?.defaults).toEqual({ who: "world", times: 1, loud: false });
    expect(json.find((w) => w.name === "greet")?.args).toContainEqual({ name: "who", type: "string", required: false, default: "world", description: "Whom to greet" });
    expect(json.find((w) => w.name === "free")?.args).toBeNull();
  });
});

test("a task the run enqueued without waiting is finished before aegis exits, not failed as interrupted", async () => {
  writeFileSync(join(project, "workflows", "fire.ts"), `import { workflow } from "aegis";
workflow("fire", async (e) => e.enqueue("review", "later please"));
`);
  const r = await aegis(["run", "fire"]);
  expect(r.code).toBe(0);
  const taskId = r.stdout.trim();
  expect(taskId).toMatch(/^task_/);
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "tasks", "--json"], { cwd: project, stdout: "pipe", stderr: "pipe" });
  const tasks = JSON.parse(await new Response(p.stdout).text()) as { taskId: string; status: string; result: string }[];
  expect(tasks.find((t) => t.taskId === taskId)).toMatchObject({ status: "done", result: "re: later please" });
});

test("(#5) aegis run serves only the queues its workflow uses: another queue's pending task is left alone, and a run that touches no queue waits for nothing", async () => {
  const enqueued = await aegis(["enqueue", "other", "not this run's task", "--json"]);
  expect(enqueued.code).toBe(0);
  const { taskId } = JSON.parse(enqueued.stdout) as { taskId: string };
  const plain = await aegis(["run", "structured"]);
  expect(plain.code).toBe(0);
  expect(plain.stderr).not.toContain("waiting for");
  const delegated = await aegis(["run", "deleg"]);
  expect(delegated.code).toBe(0);
  expect(delegated.stdout).toBe("re: check this\n");
  const tasks = JSON.parse((await aegis(["tasks", "--json"])).stdout) as { taskId: string; queue: string; status: string }[];
  expect(tasks.find((t) => t.taskId === taskId)).toMatchObject({ queue: "other", status: "pending" });
  expect(tasks.find((t) => t.queue === "review" && t.status === "done")).toBeDefined();
  const help = await aegis(["run", "--help"]);
  expect(help.stdout + help.stderr).toContain("queue workers only for the queues the workflow enqueues or delegates to");
});
