// Durability of engine.group (#13): a workflow whose group of two fake-claude members is briefed twice and raced once
// is SIGKILLed by aegis's own failpoints after each step's commit, before commits and mid-step, then `aegis resume`d.
// Every resumed run must end with the uninterrupted run's result, and fake-claude's own turn log must show that no
// member ran a turn twice unless its step was in flight at a kill. On both backends (#15): on PostgreSQL every
// process of a chain gets AEGIS_DATABASE_URL of a fresh database.
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
const STEPS = 12;

const CONFIG = `import { defineConfig, ClaudeCode } from "aegis";
const claude = () => new ClaudeCode({ model: "claude-sonnet-4-5", permission: "full", bin: ${JSON.stringify(FAKE_CLAUDE)},
  env: { FAKE_CLAUDE_STATE_DIR: import.meta.dir + "/claude-state", FAKE_CLI_LOG: import.meta.dir + "/turns.log", IS_SANDBOX: "1", PATH: ${JSON.stringify(BIN_PATH)} } });
export default defineConfig({ agents: { impl: { provider: claude() } }, workflows: ["crew.ts"] });
`;

// fake-claude echoes the whole message, header included; the reducer keeps each reply's objective line.
const WORKFLOW = `import { workflow } from "aegis";
const objective = (byMember, order) => order.map((h) => h + ":" + byMember[h].split("\\n").find((l, i, all) => all[i - 1] === "## Objective"));
export default workflow("crew", async (e) => {
  const g = await e.group("crew", [{ agent: "impl", handle: "ann" }, { agent: "impl", handle: "bob" }]); // 1, 2 spawn; 3 group
  await g.broadcast("alpha");                                     // 4 broadcast; 5, 6 send
  const a = await g.gather({ reducer: objective });               // 7
  const r = await g.race("beta");                                 // 8
  await g.broadcast("gamma", { outputFormat: "echo it" });        // 9; 10, 11
  const c = await g.gather({ reducer: objective, timeout: 20000 }); // 12
  return [a.combined, r.reply.split("\\n").pop(), c.combined, c.timeouts];
});
`;

const EXPECTED = [["ann:alpha", "bob:alpha"], "beta", ["ann:gamma", "bob:gamma"], []];

interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** A project folder and where its state lives: `.aegis/state.db` in it, or a fresh PostgreSQL database. */
interface Project extends Disposable {
  dir: TempDir;
  /** The children's AEGIS_DATABASE_URL on PostgreSQL; nothing on SQLite. */
  env: Record<string, string>;
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
  writeFileSync(dir.join("crew.ts"), WORKFLOW);
  const url = backend === "postgres" ? await freshDatabase(await sharedPostgres()) : undefined;
  return {
    dir, env: url ? { AEGIS_DATABASE_URL: url } : {},
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

/** What fake-claude was asked: the objective of a brief, or the last line of a race prompt. */
function bodyOf(prompt: string): string {
  const lines = prompt.split("\n");
  const i = lines.indexOf("## Objective");
  return i >= 0 ? lines[i + 1]! : lines.at(-1)!;
}

/** Labels of the steps in flight when the process died. */
async function inFlightAfterKill(p: Project): Promise<{ runId: string; status: string; inFlight: string[] }> {
  const db = await p.open();
  try {
    const run = (await db.runs.listRuns(1))[0]!;
    return { runId: run.id, status: run.status, inFlight: (await db.runs.listSteps(run.id)).filter((s) => s.status === "running").map((s) => s.label) };
  } finally {
    await db.close();
  }
}

/** Kills the run at each failpoint in turn (then resumes it to the end) and checks the result and the turn log. */
async function killChain(backend: BackendName, failpoints: string[]): Promise<number> {
  using p = await project("group-kill", backend);
  const kills: { failpoint: string; inFlight: string[] }[] = [];
  let runId: string | undefined;
  let final: Exit | undefined;
  for (const fp of failpoints.length ? failpoints : [undefined]) {
    const out = await aegis(p, runId ? ["resume", runId, "--json"] : ["run", "crew", "--json"], fp);
    if (out.signal !== "SIGKILL") {
      expect(out.code, `${fp}: exited ${out.code}:\n${out.stderr}`).toBe(0);
      final = out;
      break;
    }
    const k = await inFlightAfterKill(p);
    runId = k.runId;
    if (k.status === "done") break;
    kills.push({ failpoint: fp!, inFlight: k.inFlight });
  }
  if (!final) {
    final = await aegis(p, ["resume", runId!, "--json"]);
    expect(final.code, `resume after ${failpoints.join(", ")} failed:\n${final.stderr}`).toBe(0);
  }
  if (final.stdout.includes('"run_end"')) expect(resultOf(final)).toEqual(EXPECTED);
  const counts = new Map<string, number>();
  for (const t of await fakeLog(p.dir.join("turns.log"))) counts.set(bodyOf(t.prompt), (counts.get(bodyOf(t.prompt)) ?? 0) + 1);
  for (const body of ["alpha", "beta", "gamma"]) {
    // A member's send in flight may run once more; a race in flight asks both members again.
    const repeats = kills.reduce((n, k) => n + k.inFlight.reduce((m, l) => m + (l.includes(body) ? (l.startsWith("race") ? 2 : 1) : 0), 0), 0);
    const n = counts.get(body) ?? 0;
    const why = kills.map((k) => `${k.failpoint} [${k.inFlight.join("; ")}]`).join(", ");
    // The race's loser may be interrupted before fake-claude logs its turn.
    expect(n, `"${body}" ran ${n} times; kills: ${why}`).toBeGreaterThanOrEqual(body === "beta" ? 1 : 2);
    expect(n, `"${body}" ran ${n} times; kills: ${why}`).toBeLessThanOrEqual(2 + repeats);
  }
  return kills.length;
}

const steps = Array.from({ length: STEPS }, (_, i) => i + 1);

describeDb("engine.group durability: SIGKILL, then resume (#13)", (b) => {
  test("uninterrupted, the run gives the expected result and asks each member each question once", async () => {
    expect(await killChain(b.name, [])).toBe(0);
  }, 60_000);

  test("runs killed after each step's commit (commit:1 … commit:12, two chains) re-run no member's turn", async () => {
    // A kill lands only where its step commits live: a member's send that committed before its sibling's kill replays.
    const landed = await Promise.all([1, 2].map((k) => killChain(b.name, steps.filter((n) => n % 2 === k % 2).map((n) => `commit:${n}`))));
    expect(landed[0]! + landed[1]!).toBeGreaterThanOrEqual(8);
  }, 120_000);

  test("runs killed after the effect of a member's send, the gather or the race, before its commit, re-run only that step", async () => {
    // One run per kill point: a sibling send that committed first would replay past the next point of a chain.
    let landed = 0;
    for (const batch of [[5, 6, 7], [8, 10, 12]]) {
      for (const n of await Promise.all(batch.map((n) => killChain(b.name, [`effect:${n}`])))) landed += n;
    }
    expect(landed).toBeGreaterThanOrEqual(4);
  }, 120_000);

  test("runs killed mid-gather and mid-race are resumed to the same result", async () => {
    const landed = await Promise.all([killChain(b.name, ["mid:7:10"]), killChain(b.name, ["mid:8:10"]), killChain(b.name, ["mid:12:10"])]);
    expect(landed.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1); // a timer may fire after a fast step has finished
  }, 120_000);
});
