// `aegis serve` end to end, each command in its own process against a project with Scripted agents: one serve per
// project, the control socket (mode 0600) answering the verbs as standalone would, `run --detach`, SIGTERM with a
// turn in flight (exit 0, the run left resumable and resumed by the next serve) and a SIGKILLed serve's run resumed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
let dir: TempDir;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: {
    w: { provider: new Scripted({ reply: (p) => \`done: \${p}\` }) },
    slow: { provider: new Scripted({ reply: (p) => \`slow \${p}\`, delayMs: 60_000 }) },
    medium: { provider: new Scripted({ reply: (p) => \`medium \${p}\`, delayMs: 1500 }) },
  },
  queues: { q: { agent: "w", maxParallel: 2 } },
  workflows: ["workflows/"],
});
`;

const WORKFLOWS = `import { workflow } from "aegis";
workflow("quick", async (e, args) => "quick " + JSON.stringify(args));
workflow("long", async (e) => { const h = await e.spawn("slow"); return await e.send(h, "think"); });
workflow("two-turns", async (e) => { const h = await e.spawn("medium"); await e.send(h, "one"); return await e.send(h, "two"); });
workflow("long-manual", async (e) => { const h = await e.spawn("slow"); return await e.send(h, "think"); }, { resume: "manual" });
`;

interface Result { code: number; stdout: string; stderr: string }
type Proc = ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;

function start(cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  return Bun.spawn([process.execPath, MAIN, cmd, ...args, "--cwd", dir.path], {
    cwd: dir.path, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "", ...env },
  });
}

async function aegis(cmd: string, args: string[] = [], env: Record<string, string> = {}): Promise<Result> {
  const p = start(cmd, args, env);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** Starts `aegis serve` and resolves once its control socket listens; its stderr keeps accumulating in `log`. */
async function startServe(args: string[] = []): Promise<{ p: Proc; log: () => string }> {
  const p = start("serve", ["--poll-ms", "50", ...args]);
  let seen = "";
  void (async () => {
    for await (const chunk of p.stderr) seen += new TextDecoder().decode(chunk);
  })();
  await waitFor(() => seen.includes("control socket") || p.exitCode !== null, { timeoutMs: 15_000, what: "serve to listen" });
  if (p.exitCode !== null) throw new Error(`serve exited ${p.exitCode}: ${seen}`);
  return { p, log: () => seen };
}

async function runStatus(runId: string): Promise<{ status: string; attempt: number }> {
  const r = await aegis("runs", ["show", runId, "--json"], { AEGIS_NO_SERVE: "1" });
  return JSON.parse(r.stdout) as { status: string; attempt: number };
}

beforeAll(() => {
  dir = tempDir("serve-cli");
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
  mkdirSync(dir.join("workflows"));
  writeFileSync(dir.join("workflows", "all.ts"), WORKFLOWS);
});
afterAll(() => dir.remove());

describe("aegis serve (#12)", () => {
  test("run --detach and resume --detach without a serve say to start one (#12)", async () => {
    const r = await aegis("run", ["quick", "--detach"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("aegis serve");
    // On a shared PostgreSQL database a serve elsewhere does not count: it is this machine's serve that is missing (#15).
    expect(r.stderr).toContain("for this project on this machine (its .aegis/serve.sock), and none is running here");
    const resumed = await aegis("resume", ["run_none", "--detach"]);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain("aegis serve");
  });

  test("one serve per project; the socket is 0600; verbs through it print what standalone prints; SIGTERM exits 0 (#12)", async () => {
    const serve = await startServe();
    try {
      expect(statSync(dir.join(".aegis", "serve.sock")).mode & 0o777).toBe(0o600);
      const second = await aegis("serve");
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`pid ${serve.p.pid}`);

      const e = await aegis("enqueue", ["q", "hello", "--json"]);
      expect(e.code).toBe(0);
      const taskId = (JSON.parse(e.stdout) as { taskId: string }).taskId;
      // Enqueued through the serve, which works the queue at once.
      await waitFor(async () => (await aegis("tasks", ["--json"])).stdout.includes('"status": "done"'), { timeoutMs: 10_000, what: "the task to be done" });

      const detached = await aegis("run", ["quick", "--detach", "--n=3"]);
      expect(detached.code).toBe(0);
      const runId = detached.stdout.trim();
      expect(runId).toMatch(/^run_/);
      await waitFor(async () => (await runStatus(runId)).status === "done", { timeoutMs: 10_000, what: "the detached run to finish" });

      for (const [cmd, args] of [["tasks", ["--json"]], ["tasks", []], ["runs", ["--json"]], ["runs", ["show", runId, "--json"]]] as const) {
        const via = await aegis(cmd, [...args]);
        const local = await aegis(cmd, [...args], { AEGIS_NO_SERVE: "1" });
        expect({ cmd, args, code: via.code, stdout: via.stdout }).toEqual({ cmd, args, code: local.code, stdout: local.stdout });
      }
      const c = await aegis("cancel", [taskId, "--json"]);
      expect(JSON.parse(c.stdout)).toMatchObject({ taskId, was: "terminal", status: "done" });
      const missing = await aegis("runs", ["show", "run_nope"]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("run_nope");
    } finally {
      serve.p.kill("SIGTERM");
    }
    expect(await serve.p.exited).toBe(0);
    expect(serve.log()).toContain("stopped");
  }, 60_000);

  test("run --detach --json and resume --detach --json print {runId} as JSON; under AEGIS_NO_SERVE=1 --detach says so (#12)", async () => {
    const serve = await startServe();
    try {
      const forced = await aegis("run", ["quick", "--detach"], { AEGIS_NO_SERVE: "1" });
      expect(forced.code).toBe(2);
      expect(forced.stderr).toContain("AEGIS_NO_SERVE=1");
      const r = await aegis("run", ["quick", "--detach", "--json", "--n=1"]);
      expect(r.code).toBe(0);
      const { runId } = JSON.parse(r.stdout) as { runId: string };
      expect(runId).toMatch(/^run_/);
      await waitFor(async () => (await runStatus(runId)).status === "done", { timeoutMs: 10_000, what: "the detached run to finish" });
      const resumed = await aegis("resume", [runId, "--detach", "--json"]);
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout)).toEqual({ runId });
    } finally {
      serve.p.kill("SIGTERM");
    }
    expect(await serve.p.exited).toBe(0);
  }, 60_000);

  test("SIGTERM with a turn in flight: exit 0 after --grace, the run is left resumable and the next serve resumes it (#12)", async () => {
    let serve = await startServe(["--grace", "200ms"]);
    const runId = (await aegis("run", ["long", "--detach"])).stdout.trim();
    const manualId = (await aegis("run", ["long-manual", "--detach"])).stdout.trim();
    await waitFor(async () => (await aegis("runs", ["show", runId, "--json"])).stdout.includes('"kind": "spawn"'), { timeoutMs: 10_000, what: "the run's first step" });
    serve.p.kill("SIGTERM");
    expect(await serve.p.exited).toBe(0);
    expect(serve.log()).toContain("grace period is over");
    expect(await runStatus(runId)).toMatchObject({ status: "interrupted", attempt: 1 });

    serve = await startServe();
    try {
      await waitFor(async () => (await runStatus(runId)).attempt === 2, { timeoutMs: 10_000, what: "the run to be resumed" });
      expect((await runStatus(runId)).status).toBe("running");
      expect(serve.log()).toContain(`resuming run ${runId}`);
      expect(serve.log()).toContain(`aegis resume ${manualId}`);
      expect(await runStatus(manualId)).toMatchObject({ status: "interrupted", attempt: 1 });
      const resumed = await aegis("resume", [manualId, "--detach"]);
      expect(resumed).toMatchObject({ code: 0, stdout: `${manualId}\n` });
      await waitFor(async () => (await runStatus(manualId)).attempt === 2, { timeoutMs: 10_000, what: "resume --detach to resume it in the serve" });
    } finally {
      serve.p.kill("SIGKILL");
      await serve.p.exited;
    }
  }, 60_000);

  test("a SIGKILLed serve: its lock is taken over and its crashed run resumed on start (#12)", async () => {
    // The previous test left a serve SIGKILLed with a run in flight: stale lock, stale socket, a run marked running.
    const serve = await startServe(["--grace", "100ms"]);
    try {
      const runs = JSON.parse((await aegis("runs", ["--json"])).stdout) as { runId: string; workflow: string; attempt: number; status: string }[];
      const long = runs.find((r) => r.workflow === "long")!;
      await waitFor(async () => (await runStatus(long.runId)).attempt === 3, { timeoutMs: 10_000, what: "the crashed run to be resumed" });
      expect((await runStatus(long.runId)).status).toBe("running");
      expect(JSON.parse((await aegis("cancel", [long.runId, "--json"])).stdout)).toMatchObject({ status: "cancelled" });
    } finally {
      serve.p.kill("SIGTERM");
    }
    expect(await serve.p.exited).toBe(0);
  }, 60_000);
  test("SIGTERM lets the turn in flight finish, then stops the run at that step boundary; the next serve goes on from there (#12)", async () => {
    let serve = await startServe();
    const runId = (await aegis("run", ["two-turns", "--detach"])).stdout.trim();
    await waitFor(async () => {
      const r = JSON.parse((await aegis("runs", ["show", runId, "--json"])).stdout) as { steps: { kind: string; status: string }[] };
      return r.steps.some((s) => s.kind === "send" && s.status === "running");
    }, { timeoutMs: 10_000, what: "the first turn to start" });
    serve.p.kill("SIGTERM");
    expect(await serve.p.exited).toBe(0);
    expect(serve.log()).not.toContain("grace period is over");
    const after = JSON.parse((await aegis("runs", ["show", runId, "--json"])).stdout) as { status: string; steps: { kind: string; status: string }[] };
    expect(after.status).toBe("interrupted");
    expect(after.steps.filter((s) => s.kind === "send").map((s) => s.status)).toEqual(["done"]);

    serve = await startServe();
    try {
      await waitFor(async () => (await runStatus(runId)).status === "done", { timeoutMs: 15_000, what: "the resumed run to finish" });
      const done = JSON.parse((await aegis("runs", ["show", runId, "--json"])).stdout) as { result: string; steps: { kind: string; attempt: number }[] };
      expect(done.result).toMatch(/^medium [^]*two$/);
      expect(done.steps.filter((s) => s.kind === "send").map((s) => s.attempt)).toEqual([1, 2]); // the first turn did not run again
    } finally {
      serve.p.kill("SIGTERM");
    }
    expect(await serve.p.exited).toBe(0);
  }, 60_000);
});
