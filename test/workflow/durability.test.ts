// Durability: a multi-step workflow on fake-claude (spawn, sends, a delegate to a queue of fake-claude workers, bash)
// is SIGKILLed by aegis's own failpoints at every step boundary and mid-step (4 points × 8 steps = 32 kill points),
// then `aegis resume`d. Every resumed run must end with the uninterrupted run's result, and fake-claude's own turn
// log must show that no turn whose step was committed ran twice (only the step in flight at the kill may run again).
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnProcess } from "../../src/proc/spawn.ts";
import { listRuns, listSteps } from "../../src/store/runs.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { FAKE_CLAUDE, fakeLog } from "./helpers.ts";

const ROOT = join(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");
const BIN_PATH = `${join(ROOT, "node_modules/.bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`;
const STEPS = 8;

const CONFIG = `import { defineConfig, ClaudeCode } from "aegis";
const claude = () => new ClaudeCode({ model: "claude-sonnet-4-5", permission: "full", bin: ${JSON.stringify(FAKE_CLAUDE)},
  env: { FAKE_CLAUDE_STATE_DIR: import.meta.dir + "/claude-state", FAKE_CLI_LOG: import.meta.dir + "/turns.log", IS_SANDBOX: "1", PATH: ${JSON.stringify(BIN_PATH)} } });
export default defineConfig({
  agents: { impl: { provider: claude() }, reviewer: { provider: claude() } },
  queues: { review: { agent: "reviewer", maxParallel: 1 } },
  workflows: ["durable.ts"],
});
`;

const WORKFLOW = `import { workflow } from "aegis";
const last = (s) => s.split("\\n").pop();
export default workflow("durable", async (e) => {
  const a = await e.spawn("impl", { handle: "impl-one" });     // 1
  const r1 = await e.send(a, "alpha");                           // 2
  const r2 = await e.send(a, "beta");                            // 3
  const d = await e.delegate("review", "gamma");                 // 4 enqueue, 5 await
  const b = await e.bash("echo delta; sleep 0.05");              // 6
  const r3 = await e.send(a, "epsilon " + b.stdout.trim());      // 7
  const r4 = await e.send(a, "zeta");                            // 8
  return [r1, r2, d, b.stdout.trim(), r3, r4].map(last);
});
`;

interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

async function aegis(cwd: string, args: string[], failpoint?: string): Promise<Exit> {
  const child = spawnProcess({
    cmd: [process.execPath, MAIN, ...args], cwd, timeoutMs: 30_000,
    env: { PATH: BIN_PATH, NO_COLOR: "1", ...(failpoint ? { AEGIS_FAILPOINT: failpoint } : {}) },
  });
  child.endStdin();
  const lines: string[] = [];
  for await (const l of child.lines()) lines.push(l);
  const status = await child.exited;
  await child.stop({ graceMs: 100 }); // sweeps whatever the killed aegis left behind (its fake-claude processes)
  return { ...status, stdout: lines.join("\n"), stderr: child.stderrTail() };
}

function project(prefix: string): TempDir {
  const dir = tempDir(prefix);
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
  writeFileSync(dir.join("durable.ts"), WORKFLOW);
  return dir;
}

function resultOf(out: Exit): unknown {
  const end = out.stdout.split("\n").filter((l) => l.includes('"run_end"')).map((l) => JSON.parse(l)).pop();
  if (!end) throw new Error(`no run_end event (exit ${out.code}/${out.signal}):\n${out.stderr}`);
  expect(end.status).toBe("done");
  return end.result;
}

let baseline: unknown;

async function uninterrupted(): Promise<unknown> {
  if (baseline !== undefined) return baseline;
  using dir = project("durable-base");
  const out = await aegis(dir.path, ["run", "durable", "--json"]);
  expect(out.code).toBe(0);
  baseline = resultOf(out);
  expect(baseline).toEqual(["alpha", "beta", "ECHO: gamma", "delta", "epsilon delta", "zeta"]);
  return baseline;
}

interface Kill {
  failpoint: string;
  /** Labels of the steps in flight when the process died: only they may run again. */
  inFlight: string[];
  /** Whether the delegated task had finished when the process died. */
  taskDone: boolean;
}

/** What the store says right after a kill: the run, and what was in flight. */
function afterKill(dir: TempDir, failpoint: string): { runId: string; status: string; kill: Kill } {
  const store = openStore(dir.join(".aegis", "state.db"));
  try {
    const run = listRuns(store)[0]!;
    const inFlight = listSteps(store, run.id).filter((s) => s.status === "running").map((s) => s.label);
    const taskDone = store.db.query<{ n: number }, []>("SELECT count(*) AS n FROM tasks WHERE status = 'done'").get()!.n > 0;
    return { runId: run.id, status: run.status, kill: { failpoint, inFlight, taskDone } };
  } finally {
    store.close();
  }
}

/**
 * Runs the workflow and SIGKILLs it at each failpoint in turn (the first on `aegis run`, the next ones on successive
 * `aegis resume`s, so one run survives several crashes), then resumes it to the end. Checks the result against the
 * uninterrupted run and the turn log against the kills. Returns how many kills landed before the run was done.
 */
async function killChain(failpoints: string[]): Promise<number> {
  using dir = project("durable-kill");
  const kills: Kill[] = [];
  let runId: string | undefined;
  let final: Exit | undefined;
  for (const fp of failpoints) {
    const out = await aegis(dir.path, runId ? ["resume", runId, "--json"] : ["run", "durable", "--json"], fp);
    if (out.signal !== "SIGKILL") {
      expect(out.code, `${fp}: exited ${out.code}:\n${out.stderr}`).toBe(0);
      final = out;
      break;
    }
    const k = afterKill(dir, fp);
    runId = k.runId;
    if (k.status === "done") break; // a mid-step timer that fired after the run had finished
    kills.push(k.kill);
  }
  if (!final) {
    final = await aegis(dir.path, ["resume", runId!, "--json"]);
    expect(final.code, `resume after ${failpoints.join(", ")} failed:\n${final.stderr}`).toBe(0);
  }
  if (final.stdout.includes('"run_end"')) expect(resultOf(final)).toEqual(await uninterrupted());
  // No turn whose step was committed ran twice; a step may run once more for each kill it was in flight at.
  const counts = new Map<string, number>();
  for (const t of await fakeLog(dir.join("turns.log"))) {
    const body = t.prompt.split("\n").pop()!;
    counts.set(body, (counts.get(body) ?? 0) + 1);
  }
  for (const body of ["alpha", "beta", "gamma", "epsilon delta", "zeta"]) {
    const repeats = kills.filter((k) => (body === "gamma" ? !k.taskDone : k.inFlight.some((l) => l.includes(`"${body}"`)))).length;
    const n = counts.get(body) ?? 0;
    const why = kills.map((k) => `${k.failpoint} [${k.inFlight.join("; ")}]`).join(", ");
    expect(n, `"${body}" ran ${n} times; kills: ${why}`).toBeGreaterThanOrEqual(1);
    expect(n, `"${body}" ran ${n} times; kills: ${why}`).toBeLessThanOrEqual(1 + repeats);
  }
  return kills.length;
}

const steps = Array.from({ length: STEPS }, (_, i) => i + 1);

describe("durability: SIGKILL at every step boundary and mid-step, then resume", () => {
  test("a run killed before each step's effect, one kill per attempt (start:1 … start:8), finishes as if never killed", async () => {
    await uninterrupted();
    expect(await killChain(steps.map((n) => `start:${n}`))).toBe(STEPS);
  }, 60_000);

  test("a run killed after each commit (commit:1 … commit:8) re-runs nothing", async () => {
    expect(await killChain(steps.map((n) => `commit:${n}`))).toBe(STEPS);
  }, 60_000);

  test("a run killed after each effect, before its commit (effect:1 … effect:8), re-runs only that step", async () => {
    expect(await killChain(steps.map((n) => `effect:${n}`))).toBe(STEPS);
  }, 60_000);

  test("runs killed mid-step (mid:N: 15 ms into step N's effect), each resumed", async () => {
    let landed = 0;
    for (let n = 1; n <= STEPS; n += 2) {
      const pair = await Promise.all([killChain([`mid:${n}:15`]), killChain([`mid:${n + 1}:15`])]);
      landed += pair[0] + pair[1];
    }
    expect(landed).toBeGreaterThanOrEqual(STEPS - 2); // a timer may fire after a fast last step has finished
  }, 60_000);
});
