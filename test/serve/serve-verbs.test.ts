// The verbs that go through a running `aegis serve` (each command in its own process): `aegis enqueue --wait` has the
// serve work the task and only waits for it, and `aegis logs --follow` shows a session the serve drives as it happens.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { cli } from "../fixtures/helpers/aegis-cli.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

let dir: TempDir;
let aegis: ReturnType<typeof cli>;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: {
    w: { provider: new Scripted({ reply: (p) => (p.includes("fail") ? { text: "nope", isError: true } : \`done: \${p}\`) }) },
    medium: { provider: new Scripted({ reply: (p) => \`medium \${p}\`, delayMs: 1500 }) },
  },
  queues: { q: { agent: "w" } },
  workflows: ["workflows/"],
});
`;

const WORKFLOWS = `import { workflow } from "aegis";
workflow("chat", async (e) => { const h = await e.spawn("medium", { handle: "chatter" }); await e.send(h, "one"); return await e.send(h, "two"); });
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
});
