// `aegis serve` resuming at start the runs a crash left unfinished, each command in its own process: an `aegis run`
// SIGKILLed mid-run is resumed (resume: "auto") or named in the log (resume: "manual"); a run stopped on purpose
// (--timeout: `interrupted`) and a crashed run the user cancelled are left alone. On both backends (#15): on
// PostgreSQL every process gets AEGIS_DATABASE_URL of a fresh database.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";
import { describeDb } from "../helpers/backends.ts";
import { freshDatabase, sharedPostgres } from "../helpers/postgres.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
let dir: TempDir;
/** The database of the backend under test (PostgreSQL), or undefined for the project's .aegis/state.db. */
let url: string | undefined;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: {
    slow: { provider: new Scripted({ reply: (p) => \`slow \${p}\`, delayMs: 60_000 }) },
    medium: { provider: new Scripted({ reply: (p) => \`medium \${p}\`, delayMs: 1500 }) },
  },
  workflows: ["workflows/"],
});
`;

const WORKFLOWS = `import { workflow } from "aegis";
workflow("two-turns", async (e) => { const h = await e.spawn("medium"); await e.send(h, "one"); return await e.send(h, "two"); });
workflow("long", async (e) => { const h = await e.spawn("slow"); return await e.send(h, "think"); });
workflow("long-manual", async (e) => { const h = await e.spawn("slow"); return await e.send(h, "think"); }, { resume: "manual" });
`;

type Proc = ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
interface RunView { runId: string; workflow: string; status: string; attempt: number; args: Record<string, unknown> }

function start(cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  return Bun.spawn([process.execPath, MAIN, cmd, ...args, "--cwd", dir.path], {
    cwd: dir.path, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "", AEGIS_DATABASE_URL: url ?? "", ...env },
  });
}

async function aegis(cmd: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = start(cmd, args, env);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

async function runs(): Promise<RunView[]> {
  return JSON.parse((await aegis("runs", ["--json"], { AEGIS_NO_SERVE: "1" })).stdout) as RunView[];
}

async function runTagged(tag: string): Promise<RunView | undefined> {
  return (await runs()).find((r) => r.args.tag === tag);
}

/** Starts `aegis run <workflow> --tag=<tag>` in the foreground, waits for its first step, and SIGKILLs it. */
async function killMidRun(workflow: string, tag: string): Promise<string> {
  const p = start("run", [workflow, `--tag=${tag}`], { AEGIS_NO_SERVE: "1" });
  const runId = (await waitFor(async () => runTagged(tag), { timeoutMs: 15_000, intervalMs: 100, what: `run ${tag} to be recorded` })).runId;
  await waitFor(async () => (await aegis("runs", ["show", runId, "--json"], { AEGIS_NO_SERVE: "1" })).stdout.includes('"kind": "spawn"'),
    { timeoutMs: 15_000, intervalMs: 100, what: `run ${tag}'s first step` });
  p.kill("SIGKILL");
  await p.exited;
  return runId;
}

describeDb("aegis serve resumes crashed runs at start (#12)", (b) => {
  beforeAll(async () => {
    url = b.name === "postgres" ? await freshDatabase(await sharedPostgres()) : undefined;
    dir = tempDir("serve-resume-crashed");
    writeFileSync(dir.join(".aegis.ts"), CONFIG);
    mkdirSync(dir.join("workflows"));
    writeFileSync(dir.join("workflows", "all.ts"), WORKFLOWS);
  });
  afterAll(() => dir.remove());

  test("a SIGKILLed aegis run is resumed (auto) or named (manual); --timeout and cancelled runs are left alone (#12)", async () => {
    const [auto, manual, dropped] = await Promise.all([
      killMidRun("two-turns", "auto"), killMidRun("long-manual", "manual"), killMidRun("long", "dropped"),
    ]);
    const timedOut = await aegis("run", ["long", "--tag=timeout", "--timeout", "1s"], { AEGIS_NO_SERVE: "1" });
    expect(timedOut.code).not.toBe(0);
    const timeoutId = (await runTagged("timeout"))!.runId;
    expect((await runTagged("timeout"))!.status).toBe("interrupted");
    const cancelled = await aegis("cancel", [dropped, "--json"], { AEGIS_NO_SERVE: "1" });
    expect(cancelled.code).toBe(0);
    expect((await runTagged("dropped"))!.status).toBe("cancelled");

    const p = start("serve", ["--poll-ms", "50"]);
    let log = "";
    void (async () => {
      for await (const chunk of p.stderr) log += new TextDecoder().decode(chunk);
    })();
    try {
      await waitFor(() => log.includes("control socket") || p.exitCode !== null, { timeoutMs: 15_000, what: "serve to listen" });
      expect(log).toContain(`resuming run ${auto} (two-turns), left crashed`);
      expect(log).toContain(`aegis resume ${manual}`);
      await waitFor(async () => (await runTagged("auto"))!.status === "done", { timeoutMs: 20_000, intervalMs: 100, what: "the crashed run to finish in serve" });
      expect((await runTagged("auto"))!.attempt).toBe(2);
      expect(await runTagged("manual")).toMatchObject({ status: "crashed", attempt: 1 });
      expect(await runTagged("timeout")).toMatchObject({ status: "interrupted", attempt: 1 });
      expect(await runTagged("dropped")).toMatchObject({ status: "cancelled", attempt: 1 });
      expect(log).not.toContain(timeoutId);
      expect(log).not.toContain(dropped);
    } finally {
      p.kill("SIGTERM");
    }
    expect(await p.exited).toBe(0);
  }, 90_000);
});
