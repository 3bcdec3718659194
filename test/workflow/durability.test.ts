// Durability: a multi-step workflow on fake-claude (spawn, sends, a delegate to a queue of fake-claude workers, bash)
// is SIGKILLed by aegis's own failpoints at every step boundary and mid-step (4 points × 8 steps = 32 kill points),
// then `aegis resume`d. Every resumed run must end with the uninterrupted run's result, and fake-claude's own turn
// log must show that no turn whose step was committed ran twice (only the step in flight at the kill may run again).
// On both backends (#15): on PostgreSQL every `aegis` process of a chain gets AEGIS_DATABASE_URL of a fresh database.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnProcess } from "../../src/proc/spawn.ts";
import type { BackendName, Db } from "../../src/store/api.ts";
import { openPgDb } from "../../src/store/postgres/db.ts";
import { sqliteDb } from "../../src/store/sqlite/db.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { describeDb } from "../helpers/backends.ts";
import { freshDatabase, sharedPostgres } from "../helpers/postgres.ts";
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

/** A project folder and where its state lives: `.aegis/state.db` in it, or a fresh PostgreSQL database. */
interface Project extends Disposable {
  dir: TempDir;
  backend: BackendName;
  /** The child's AEGIS_DATABASE_URL on PostgreSQL; nothing on SQLite. */
  env: Record<string, string>;
  /** A connection to its state, as another process would open it. */
  open(): Promise<Db>;
}

async function aegis(p: Project, args: string[], failpoint?: string): Promise<Exit> {
  const child = spawnProcess({
    cmd: [process.execPath, MAIN, ...args], cwd: p.dir.path, timeoutMs: 30_000,
    env: { PATH: BIN_PATH, NO_COLOR: "1", ...p.env, ...(failpoint ? { AEGIS_FAILPOINT: failpoint } : {}) },
  });
  child.endStdin();
  const lines: string[] = [];
  for await (const l of child.lines()) lines.push(l);
  const status = await child.exited;
  await child.stop({ graceMs: 100 }); // sweeps whatever the killed aegis left behind (its fake-claude processes)
  return { ...status, stdout: lines.join("\n"), stderr: child.stderrTail() };
}

async function project(prefix: string, backend: BackendName): Promise<Project> {
  const dir = tempDir(prefix);
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
  writeFileSync(dir.join("durable.ts"), WORKFLOW);
  const url = backend === "postgres" ? await freshDatabase(await sharedPostgres()) : undefined;
  return {
    dir, backend, env: url ? { AEGIS_DATABASE_URL: url } : {},
    open: async () => (url ? await openPgDb(url) : sqliteDb(openStore(dir.join(".aegis", "state.db")))),
    [Symbol.dispose]: () => dir[Symbol.dispose](),
  };
}

function resultOf(out: Exit): unknown {
  const end = out.stdout.split("\n").filter((l) => l.includes('"run_end"')).map((l) => JSON.parse(l)).pop();
  if (!end) throw new Error(`no run_end event (exit ${out.code}/${out.signal}):\n${out.stderr}`);
  expect(end.status).toBe("done");
  return end.result;
}

const baselines = new Map<BackendName, unknown>();

async function uninterrupted(backend: BackendName): Promise<unknown> {
  if (baselines.has(backend)) return baselines.get(backend);
  using p = await project("durable-base", backend);
  const out = await aegis(p, ["run", "durable", "--json"]);
  expect(out.code, out.stderr).toBe(0);
  const baseline = resultOf(out);
  expect(baseline).toEqual(["alpha", "beta", "ECHO: gamma", "delta", "epsilon delta", "zeta"]);
  baselines.set(backend, baseline);
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
async function afterKill(p: Project, failpoint: string): Promise<{ runId: string; status: string; kill: Kill }> {
  const db = await p.open();
  try {
    const run = (await db.runs.listRuns(1))[0]!;
    const inFlight = (await db.runs.listSteps(run.id)).filter((s) => s.status === "running").map((s) => s.label);
    const taskDone = (await db.tasks.listTasks({ status: "done", limit: 1 })).length > 0;
    return { runId: run.id, status: run.status, kill: { failpoint, inFlight, taskDone } };
  } finally {
    await db.close();
  }
}

/**
 * Runs the workflow and SIGKILLs it at each failpoint in turn (the first on `aegis run`, the next ones on successive
 * `aegis resume`s, so one run survives several crashes), then resumes it to the end. Checks the result against the
 * uninterrupted run and the turn log against the kills. Returns how many kills landed before the run was done.
 */
async function killChain(backend: BackendName, failpoints: string[]): Promise<number> {
  using p = await project("durable-kill", backend);
  const kills: Kill[] = [];
  let runId: string | undefined;
  let final: Exit | undefined;
  for (const fp of failpoints) {
    const out = await aegis(p, runId ? ["resume", runId, "--json"] : ["run", "durable", "--json"], fp);
    if (out.signal !== "SIGKILL") {
      expect(out.code, `${fp}: exited ${out.code}:\n${out.stderr}`).toBe(0);
      final = out;
      break;
    }
    const k = await afterKill(p, fp);
    runId = k.runId;
    if (k.status === "done") break; // a mid-step timer that fired after the run had finished
    kills.push(k.kill);
  }
  if (!final) {
    final = await aegis(p, ["resume", runId!, "--json"]);
    expect(final.code, `resume after ${failpoints.join(", ")} failed:\n${final.stderr}`).toBe(0);
  }
  if (final.stdout.includes('"run_end"')) expect(resultOf(final)).toEqual(await uninterrupted(backend));
  // No turn whose step was committed ran twice; a step may run once more for each kill it was in flight at.
  const counts = new Map<string, number>();
  for (const t of await fakeLog(p.dir.join("turns.log"))) {
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

describeDb("durability: SIGKILL at every step boundary and mid-step, then resume", (b) => {
  test("a run killed before each step's effect, one kill per attempt (start:1 … start:8), finishes as if never killed", async () => {
    await uninterrupted(b.name);
    expect(await killChain(b.name, steps.map((n) => `start:${n}`))).toBe(STEPS);
  }, 120_000);

  test("a run killed after each commit (commit:1 … commit:8) re-runs nothing", async () => {
    expect(await killChain(b.name, steps.map((n) => `commit:${n}`))).toBe(STEPS);
  }, 120_000);

  test("a run killed after each effect, before its commit (effect:1 … effect:8), re-runs only that step", async () => {
    expect(await killChain(b.name, steps.map((n) => `effect:${n}`))).toBe(STEPS);
  }, 120_000);

  test("runs killed mid-step (mid:N: 15 ms into step N's effect), each resumed", async () => {
    let landed = 0;
    for (let n = 1; n <= STEPS; n += 2) {
      const pair = await Promise.all([killChain(b.name, [`mid:${n}:15`]), killChain(b.name, [`mid:${n + 1}:15`])]);
      landed += pair[0] + pair[1];
    }
    expect(landed).toBeGreaterThanOrEqual(STEPS - 2); // a timer may fire after a fast last step has finished
  }, 120_000);
});
