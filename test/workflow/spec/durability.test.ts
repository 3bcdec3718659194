// A no-code (YAML) run is durable through the same journal as a TypeScript one (#13): it is SIGKILLed by aegis's
// failpoints after steps commit, and after effects before their commit, then `aegis resume`d to the end. The result
// must equal the uninterrupted run's, and fake-claude's turn log must show no committed turn paid twice.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnProcess } from "../../../src/proc/spawn.ts";
import { listRuns, listSteps } from "../../../src/store/runs.ts";
import { openStore } from "../../../src/store/store.ts";
import { tempDir, type TempDir } from "../../fixtures/helpers/temp-dir.ts";
import { FAKE_CLAUDE, fakeLog } from "../helpers.ts";

const ROOT = join(import.meta.dir, "../../..");
const MAIN = join(ROOT, "src/main.ts");
const BIN_PATH = `${join(ROOT, "node_modules/.bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`;

const CONFIG = `import { defineConfig, ClaudeCode } from "aegis";
export default defineConfig({
  agents: { impl: { provider: new ClaudeCode({ model: "claude-sonnet-4-5", permission: "full", bin: ${JSON.stringify(FAKE_CLAUDE)},
    env: { FAKE_CLAUDE_STATE_DIR: import.meta.dir + "/claude-state", FAKE_CLI_LOG: import.meta.dir + "/turns.log", IS_SANDBOX: "1", PATH: ${JSON.stringify(BIN_PATH)} } }) } },
  workflows: ["workflows/"],
});
`;

// Steps: 1 spawn, 2 send alpha, 3-4 spawns and 5-6 sends of the map (two lanes), 7 bash, 8 spawn, 9 send zeta.
const SPEC = `name: durable-spec
args: { items: { type: array, default: [gamma, delta] } }
root:
  type: sequence
  id: main
  children:
    - { type: agent, id: a, prompt: alpha }
    - { type: map, id: m, over: args.items, concurrency: 2, body: { type: agent, id: x, prompt: "{{ item }}" } }
    - { type: bash, id: b, run: "echo epsilon; sleep 0.05" }
    - { type: agent, id: z, prompt: "zeta {{ b.stdout }}" }
`;
const BODIES = ["alpha", "gamma", "delta", "zeta epsilon"];

interface Exit { code: number | null; signal: string | null; stdout: string; stderr: string }

async function aegis(cwd: string, args: string[], failpoint?: string): Promise<Exit> {
  const child = spawnProcess({
    cmd: [process.execPath, MAIN, ...args], cwd, timeoutMs: 30_000,
    env: { PATH: BIN_PATH, NO_COLOR: "1", ...(failpoint ? { AEGIS_FAILPOINT: failpoint } : {}) },
  });
  child.endStdin();
  const lines: string[] = [];
  for await (const l of child.lines()) lines.push(l);
  const status = await child.exited;
  await child.stop({ graceMs: 100 }); // sweeps the fake-claude processes a killed aegis left behind
  return { ...status, stdout: lines.join("\n"), stderr: child.stderrTail() };
}

function project(): TempDir {
  const dir = tempDir("spec-durable");
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
  Bun.spawnSync(["mkdir", "-p", dir.join("workflows")]);
  writeFileSync(dir.join("workflows", "durable.yaml"), SPEC);
  return dir;
}

function resultOf(out: Exit): unknown {
  const end = out.stdout.split("\n").filter((l) => l.includes('"run_end"')).map((l) => JSON.parse(l)).pop();
  if (!end) throw new Error(`no run_end event (exit ${out.code}/${out.signal}):\n${out.stderr}`);
  expect(end.status).toBe("done");
  return end.result;
}

const last = (s: string) => s.trim().split("\n").pop();
/** A result without what differs between runs: fake-claude echoes the sender line (with the run id) before the text. */
const plain = (v: unknown): unknown =>
  typeof v === "string" ? last(v)!.replace(/^ECHO: /, "") : Array.isArray(v) ? v.map(plain)
  : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;

/** Kills at each failpoint in turn (run, then resumes), resumes to the end; returns the result and turns per body. */
async function killChain(failpoints: string[]): Promise<{ result: unknown; turns: Map<string, number>; inFlight: string[][] }> {
  using dir = project();
  let runId: string | undefined;
  const inFlight: string[][] = [];
  let final: Exit | undefined;
  for (const fp of failpoints) {
    const out = await aegis(dir.path, runId ? ["resume", runId, "--json"] : ["run", "durable-spec", "--json"], fp);
    if (out.signal !== "SIGKILL") {
      final = out;
      break;
    }
    const store = openStore(dir.join(".aegis", "state.db"));
    try {
      runId = listRuns(store)[0]!.id;
      inFlight.push(listSteps(store, runId).filter((s) => s.status === "running").map((s) => s.label));
    } finally {
      store.close();
    }
  }
  final ??= await aegis(dir.path, runId ? ["resume", runId, "--json"] : ["run", "durable-spec", "--json"]);
  expect(final.code, final.stderr).toBe(0);
  const turns = new Map<string, number>();
  for (const t of await fakeLog(dir.join("turns.log"))) turns.set(last(t.prompt)!, (turns.get(last(t.prompt)!) ?? 0) + 1);
  return { result: plain(resultOf(final)), turns, inFlight };
}

describe("a YAML run survives SIGKILL and resumes without paying a turn twice (#13)", () => {
  let baseline: unknown;

  test("uninterrupted run", async () => {
    const { result, turns } = await killChain([]);
    baseline = result;
    expect(result).toMatchObject({ a: "alpha", m: ["gamma", "delta"], z: "zeta epsilon" });
    for (const b of BODIES) expect(turns.get(b)).toBe(1);
  }, 30_000);

  /** Each turn ran once, plus once more for each kill that found its step in flight (a map runs two at once). */
  function checkTurns(turns: Map<string, number>, inFlight: string[][]): void {
    for (const b of BODIES) {
      const again = inFlight.filter((labels) => labels.some((l) => l.includes(`"${b}`))).length;
      expect(turns.get(b), `"${b}" in flight at ${again} kills`).toBeGreaterThanOrEqual(1);
      expect(turns.get(b), `"${b}" in flight at ${again} kills`).toBeLessThanOrEqual(1 + again);
    }
  }

  // Steps 5 and 6 are the map's two concurrent sends: which of them commits first varies, so a kill is placed at
  // step 5 only (always live in its attempt); the other send may be in flight there, and is allowed to run again.
  test("killed after the commits of steps 2, 5, 7 and 9 in turn: no committed turn runs again (#13)", async () => {
    const { result, turns, inFlight } = await killChain(["commit:2", "commit:5", "commit:7", "commit:9"]);
    expect(inFlight).toHaveLength(4);
    expect(result).toEqual(baseline);
    checkTurns(turns, inFlight);
    expect(turns.get("alpha")).toBe(1);
    expect(turns.get("zeta epsilon")).toBe(1);
  }, 60_000);

  test("killed after effects, before their commits (steps 2, 5, 9): only the steps in flight run again (#13)", async () => {
    const { result, turns, inFlight } = await killChain(["effect:2", "effect:5", "effect:9"]);
    expect(inFlight).toHaveLength(3);
    expect(result).toEqual(baseline);
    checkTurns(turns, inFlight);
  }, 60_000);
});
