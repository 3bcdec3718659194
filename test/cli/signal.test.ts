// `aegis signal` and `aegis answer` without a serve (#12), each in its own process: a signal reaches a plain
// `aegis run` waiting in another process; an answer to a question a CI run could not ask is kept, and
// `aegis resume` then finishes the run with it.

import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { within } from "../fixtures/helpers/wait.ts";

const ROOT = join(import.meta.dir, "..", "..");
const base = mkdtempSync(join(tmpdir(), "aegis-signal-cli-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const project = join(base, "proj");
mkdirSync(join(project, "workflows"), { recursive: true });
writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { w: { provider: new Scripted({ reply: (p) => p }) } }, workflows: ["workflows/"] });
`);
writeFileSync(join(project, "workflows", "waits.ts"), `import { workflow } from "aegis";
workflow("waits", async (e) => { const p = await e.waitFor("go", { timeout: "2m" }); return "got " + JSON.stringify(p); });
workflow("asks", async (e) => "chose " + await e.askHuman("Ship it?", { options: ["yes", "no"] }));
`);

function start(args: string[]) {
  return Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args], {
    cwd: project, stdout: "pipe", stderr: "pipe", stdin: "ignore", env: { ...process.env, NO_COLOR: "1", CI: "1", AEGIS_STATE_DIR: "" },
  });
}

async function aegis(args: string[]) {
  const p = start(args);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

async function runIdOf(workflow: string): Promise<string> {
  for (;;) {
    const r = await aegis(["runs", "--json"]);
    const run = (JSON.parse(r.stdout || "[]") as { runId: string; workflow: string }[]).find((x) => x.workflow === workflow);
    if (run) return run.runId;
  }
}

test("aegis signal reaches a run waiting in another process, and is refused for an unknown run (#12)", async () => {
  const run = start(["run", "waits"]);
  const runId = await within(runIdOf("waits"), 15_000, "the run's row");
  const sent = await aegis(["signal", runId, "go", '{"n":1}']);
  expect(sent.code).toBe(0);
  expect(sent.stdout).toContain(`${runId}: signal go sent`);
  const [stdout, code] = await within(Promise.all([new Response(run.stdout).text(), run.exited]), 15_000, "the run's end");
  expect(code).toBe(0);
  expect(stdout).toBe('got {"n":1}\n');
  const bad = await aegis(["signal", "run_nope", "go"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("no run run_nope");
}, 40_000);

test("aegis answer keeps the answer a CI run could not get; aegis resume finishes with it (#12)", async () => {
  const failed = await aegis(["run", "asks"]);
  expect(failed.code).not.toBe(0);
  expect(failed.stderr).toContain("--answer ship-it=yes|no");
  const runId = await runIdOf("asks");
  const answered = await aegis(["answer", runId, "ship-it=yes"]);
  expect(answered.code).toBe(0);
  expect(answered.stdout).toContain(`continue the run with: aegis resume ${runId}`);
  const resumed = await aegis(["resume", runId]);
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toBe("chose yes\n");
}, 40_000);

test("aegis runs shows a parked run as waiting with its question and the command that answers it (#12)", async () => {
  const { openStore } = await import("../../src/store/store.ts");
  const { insertRun, finishRun } = await import("../../src/store/runs.ts");
  const { parkRun } = await import("../../src/store/waits.ts");
  const store = openStore(join(project, ".aegis", "state.db"));
  insertRun(store, { id: "run_parked1", workflow: "asks", args: {}, at: Date.now() });
  finishRun(store, "run_parked1", { status: "interrupted", at: Date.now(), attemptMs: 1 });
  parkRun(store, { run_id: "run_parked1", state: "waiting", wake_at: null, event: "answer:ship-it",
    question: JSON.stringify({ question: "Ship it?", key: "ship-it", options: ["yes", "no"] }), at: Date.now() });
  store.close();
  const r = await aegis(["runs"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/run_parked1\s+asks\s+waiting/);
  expect(r.stdout).toContain("asks: Ship it? (yes | no) → aegis answer run_parked1 <answer>");
  const bad = await aegis(["answer", "run_parked1", "maybe"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("answer one of yes, no");
}, 40_000);
