// The verbs that go through a running `aegis serve` (each command in its own process): `aegis enqueue --wait` has the
// serve work the task and only waits for it, and `aegis logs --follow` shows a session the serve drives as it happens.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { cli } from "../fixtures/helpers/aegis-cli.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

let dir: TempDir;
let aegis: ReturnType<typeof cli>;

const CONFIG = `import { existsSync } from "node:fs";
import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: {
    w: { provider: new Scripted({ reply: (p) => (p.includes("fail") ? { text: "nope", isError: true } : \`done: \${p}\`) }) },
    // Its second turn waits until the test creates the file "gate": the run is surely still running until then.
    gated: { provider: new Scripted({ reply: async (p) => {
      while (p.includes("two") && !existsSync("gate")) await Bun.sleep(20);
      return \`gated \${p}\`;
    } }) },
  },
  queues: { q: { agent: "w" } },
  workflows: ["workflows/"],
});
`;

const WORKFLOWS = `import { workflow } from "aegis";
workflow("chat", async (e) => { const h = await e.spawn("gated", { handle: "chatter" }); await e.send(h, "one"); return await e.send(h, "two"); });
`;

beforeAll(() => {
  dir = tempDir("serve-verbs");
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
  mkdirSync(dir.join("workflows"));
  writeFileSync(dir.join("workflows", "all.ts"), WORKFLOWS);
  aegis = cli(dir.path);
});
afterAll(() => dir.remove());

describe("verbs through a running serve (#12)", () => {
  test("enqueue --wait has the serve run the task and prints its result; a failed task exits 1 (#12)", async () => {
    const serve = await aegis.serve();
    try {
      const ok = await aegis.run("enqueue", ["q", "hello", "--wait", "--json"]);
      expect(ok.code).toBe(0);
      const task = JSON.parse(ok.stdout) as { taskId: string; status: string; result: string };
      expect(task).toMatchObject({ status: "done", result: "done: hello" });
      // The serve's worker ran it, not the enqueueing process.
      await waitFor(() => serve.err().includes(`${task.taskId} done`), { timeoutMs: 10_000, what: "the serve to log the task" });
      expect(serve.err()).toContain(`${task.taskId} started on q`);

      const bad = await aegis.run("enqueue", ["q", "please fail", "--wait"]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("failed");
      const badId = /(task_\w+)/.exec(bad.stderr)?.[1] ?? "";
      expect(badId).not.toBe("");
      await waitFor(() => serve.err().includes(`${badId} failed`), { timeoutMs: 10_000, what: "the serve to log the failed task" });
    } finally {
      serve.p.kill("SIGTERM");
    }
    expect(await serve.p.exited).toBe(0);
  }, 60_000);

  test("logs --follow prints a session (by handle or run id) the serve drives while its run goes on, and ends with it (#12)", async () => {
    const serve = await aegis.serve();
    try {
      const runId = (await aegis.run("run", ["chat", "--detach"])).stdout.trim();
      expect(runId).toMatch(/^run_/);
      await waitFor(async () => (await aegis.run("runs", ["show", runId, "--json"])).stdout.includes('"kind": "spawn"'),
        { timeoutMs: 10_000, intervalMs: 50, what: "the run to spawn its session" });
      const follow = aegis.stream("logs", ["chatter", "--follow"]);
      const followRun = aegis.stream("logs", [runId, "--follow"]);
      // The first turn's reply shows while the run is still running (its second turn waits for the gate).
      const failWith = (err: unknown) => {
        throw new Error(`${String(err)}\nlogs: ${follow.out()}${follow.err()}\nserve: ${serve.err()}`);
      };
      await waitFor(() => follow.out().includes("[turn end"), { timeoutMs: 10_000, what: "the first turn in logs --follow" }).catch(failWith);
      expect(follow.out()).toContain("gated > from workflow:chat");
      expect(follow.p.exitCode).toBeNull();
      await waitFor(() => followRun.out().includes("[chatter]") && followRun.out().includes("[turn end"), { timeoutMs: 10_000, what: "the first turn in logs <runId> --follow" });
      expect(followRun.p.exitCode).toBeNull();
      expect(JSON.parse((await aegis.run("runs", ["show", runId, "--json"])).stdout)).toMatchObject({ status: "running" });
      writeFileSync(dir.join("gate"), "");
      // The run ends, its session closes, --follow stops.
      await waitFor(() => follow.p.exitCode !== null, { timeoutMs: 15_000, what: "logs --follow to end with the session" }).catch(failWith);
      expect(follow.p.exitCode).toBe(0);
      expect(follow.out()).toContain("#2 [turn end");
      // Following the run ends with the run, having printed all its sessions' events, each led by the handle.
      expect(await followRun.p.exited).toBe(0);
      expect(followRun.out().trim().split("\n").filter((l) => !l.startsWith("  ") && !l.startsWith("[chatter] ") && l !== "one" && l !== "two")).toEqual([]);
      expect(followRun.out()).toContain("[chatter] ");
      expect(followRun.out()).toContain("#2 [turn end");
      const again = await aegis.run("logs", [runId]);
      expect(again).toMatchObject({ code: 0, stdout: followRun.out() });
      const missing = await aegis.run("logs", ["run_nope"]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("no run run_nope");

      const e = JSON.parse((await aegis.run("enqueue", ["q", "followed", "--json"])).stdout) as { taskId: string };
      const task = await aegis.run("logs", [e.taskId, "--follow"]);
      expect(task.code).toBe(0);
      expect(task.stdout).toContain("done: followed");
    } finally {
      serve.p.kill("SIGTERM");
    }
    expect(await serve.p.exited).toBe(0);
  }, 60_000);
});
