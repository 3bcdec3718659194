// Schedules and webhooks inside a real startServe (#12): an every-second schedule fires its workflow (the run's
// args are the schedule's), `aegis schedules run` fires one through the control socket, and a signed webhook
// request on serve.http starts its workflow with the body as payload.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config/load.ts";
import type { LoadedConfig } from "../../src/config/validate.ts";
import { fireScheduleViaServe } from "../../src/schedule/fire-client.ts";
import { signBody } from "../../src/schedule/webhooks.ts";
import { startServe } from "../../src/serve/daemon.ts";
import { getRun } from "../../src/store/runs.ts";
import { listFires } from "../../src/store/schedules.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { waitFor } from "../fixtures/helpers/wait.ts";

let dir: TempDir;
let config: LoadedConfig;

beforeAll(async () => {
  dir = tempDir("serve-schedules");
  writeFileSync(dir.join(".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: { w: { provider: new Scripted({ reply: (p) => "ok " + p }) } },
  workflows: ["wf/"],
  schedules: {
    tick: { cron: "* * * * * *", workflow: "sched-e2e-echo", args: { from: "tick" }, overlap: "allow", catchUp: "none" },
    manual: { cron: "0 0 1 1 *", workflow: "sched-e2e-echo", args: { from: "manual" } },
  },
  webhooks: { deploy: { workflow: "sched-e2e-echo", secret: { env: "SCHED_E2E_SECRET" } } },
  serve: { http: { port: 0 } },
});
`);
  mkdirSync(dir.join("wf"));
  writeFileSync(dir.join("wf", "a.ts"), `import { workflow } from "aegis";
workflow("sched-e2e-echo", async (_e, args) => args);
`);
  config = await loadConfig({ cwd: dir.path });
  process.env.SCHED_E2E_SECRET = "e2e secret";
});
afterAll(() => {
  delete process.env.SCHED_E2E_SECRET;
  dir.remove();
});

describe("schedules and webhooks under startServe (#12)", () => {
  test("a schedule fires, schedules run fires through the socket, a signed hook starts its run", async () => {
    const logs: string[] = [];
    const serve = await startServe({ config, graceMs: 2000, log: (m) => logs.push(m), pollMs: 50 });
    try {
      const fired = await waitFor(() => listFires(serve.rt.store, "tick").find((f) => f.run_id), { what: "the every-second schedule to fire", timeoutMs: 5000 });
      await waitFor(() => getRun(serve.rt.store, fired.run_id!)?.status === "done", { what: "its run to finish" });
      expect(JSON.parse(getRun(serve.rt.store, fired.run_id!)!.args)).toEqual({ from: "tick" });

      const runId = await fireScheduleViaServe(config, "manual");
      await waitFor(() => getRun(serve.rt.store, runId)?.status === "done", { what: "the manual fire's run" });
      expect(listFires(serve.rt.store, "manual").map((f) => [f.manual, f.run_id])).toEqual([[1, runId]]);

      const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(logs.join("\n"))![1]);
      const body = JSON.stringify({ ref: "main" });
      const res = await fetch(`http://127.0.0.1:${port}/hooks/deploy`, { method: "POST", body, headers: { "x-hub-signature-256": signBody("e2e secret", body) } });
      expect(res.status).toBe(202);
      const hookRun = ((await res.json()) as { runId: string }).runId;
      await waitFor(() => getRun(serve.rt.store, hookRun)?.status === "done", { what: "the hook's run" });
      expect(JSON.parse(getRun(serve.rt.store, hookRun)!.result!)).toEqual({ payload: { ref: "main" } });
      expect(logs.join("\n")).not.toContain("e2e secret");
    } finally {
      await serve.stop("test over");
    }
  });
});
