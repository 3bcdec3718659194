// `aegis schedules [--json]` and `aegis schedules run <name>` (#12) in their own process: the list shows each
// schedule's next fire and last run; without a running serve, `run` fails clearly, naming how to start one.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { insertRun } from "../../src/store/runs.ts";
import { markFireStarted, recordFires, scheduleCursor } from "../../src/store/schedules.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
let dir: TempDir;

const CONFIG = `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: { w: { provider: new Scripted({ reply: (p) => p }) } },
  schedules: {
    nightly: { cron: "0 3 * * *", workflow: "review", tz: "Europe/Madrid" },
    paused: { cron: "*/5 * * * * *", workflow: "tick", enabled: false },
  },
});
`;

async function aegis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([process.execPath, MAIN, "schedules", ...args, "--cwd", dir.path], {
    cwd: dir.path, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

beforeAll(() => {
  dir = tempDir("schedules-cli");
  writeFileSync(dir.join(".aegis.ts"), CONFIG);
});
afterAll(() => dir.remove());

test("(#12) aegis schedules lists next fire and last run, as text and as JSON", async () => {
  const before = await aegis([]);
  expect(before.code).toBe(0);
  expect(before.stdout).toContain("nightly");
  expect(before.stdout).toContain("never fired");
  expect(before.stdout).toMatch(/paused .* disabled/);
  const store = openStore(dir.join(".aegis", "state.db"));
  const fired = Date.parse("2026-01-01T02:00:00Z");
  try {
    scheduleCursor(store, "nightly", "{}", 0);
    recordFires(store, "nightly", fired, [{ scheduledAt: fired, state: "pending" }], fired);
    store.write(() => insertRun(store, { id: "run_cli1", workflow: "review", args: {}, at: fired }));
    markFireStarted(store, "nightly", fired, "run_cli1", fired);
  } finally {
    store.close();
  }
  const text = await aegis([]);
  expect(text.stdout).toMatch(/nightly .*0 3 \* \* \* \(Europe\/Madrid\).*last 2026-01-01T02:00:00.000Z started run_cli1/);
  const json = JSON.parse((await aegis(["--json"])).stdout);
  expect(json.map((s: { name: string }) => s.name)).toEqual(["nightly", "paused"]);
  expect(json[0].last).toMatchObject({ runId: "run_cli1", state: "started" });
  expect(json[0].next).toMatch(/T0[12]:00:00\.000Z$/); // 03:00 in Madrid is 01:00 or 02:00 UTC
  expect(json[1]).toMatchObject({ enabled: false, next: null });
});

test("(#12) aegis schedules run without a serve fails with E_STATE and a hint; an unknown name is not found", async () => {
  const r = await aegis(["run", "nightly"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("no aegis serve is running");
  expect(r.stderr).toContain("aegis serve");
  // On a shared PostgreSQL database a serve elsewhere is not asked: it is this machine's serve that is missing (#15).
  expect(r.stderr).toContain("for this project on this machine (its .aegis/serve.sock)");
  const u = await aegis(["run", "nighty"]);
  expect(u.code).toBe(2); // E_NOT_FOUND: a usage mistake
  expect(u.stderr).toContain('no schedule named "nighty"');
  expect(u.stderr).toContain("nightly");
});
