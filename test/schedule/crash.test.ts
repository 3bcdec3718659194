// Exactly-once schedule fires under SIGKILL (#12): `aegis serve` (its own process) runs an every-second schedule
// whose workflow takes a few steps, and is SIGKILLed at random moments, then restarted, AEGIS_SCHEDULE_KILLS times
// (default 12; the crash run used 50). Afterwards no (schedule, time) has two runs, every started fire points
// at a run carrying its key, and every run started by the schedule belongs to exactly one fire.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { within } from "../fixtures/helpers/wait.ts";

const MAIN = join(import.meta.dir, "..", "..", "src", "main.ts");
const KILLS = Number(process.env.AEGIS_SCHEDULE_KILLS ?? 12);
let dir: TempDir;

beforeAll(() => {
  dir = tempDir("schedule-crash");
  writeFileSync(dir.join(".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  agents: { w: { provider: new Scripted({ reply: (p) => p }) } },
  workflows: ["wf/"],
  schedules: { tick: { cron: "* * * * * *", workflow: "crash-tick", overlap: "allow", catchUp: "all" } },
});
`);
  mkdirSync(dir.join("wf"));
  writeFileSync(dir.join("wf", "tick.ts"), `import { workflow } from "aegis";
workflow("crash-tick", async (e) => { await e.bash("true"); await e.bash("true"); return 1; });
`);
});
afterAll(() => dir.remove());

/** Starts `aegis serve`; resolves once it says it is serving. */
async function serve(): Promise<{ p: ReturnType<typeof Bun.spawn<"ignore", "ignore", "pipe">>; log: () => string }> {
  const p = Bun.spawn([process.execPath, MAIN, "serve", "--cwd", dir.path], {
    cwd: dir.path, stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", AEGIS_STATE_DIR: "" },
  });
  let seen = "";
  let serving!: () => void;
  const ready = new Promise<void>((resolve) => (serving = resolve));
  // Reads stderr to the end (so the pipe never fills), noting when serve says it is serving.
  const reading = (async () => {
    for await (const chunk of p.stderr) {
      seen += new TextDecoder().decode(chunk);
      if (seen.includes("serving ")) serving();
    }
  })();
  await within(Promise.race([ready, reading.then(() => Promise.reject(new Error(`aegis serve exited before serving: ${seen}`)))]), 15_000, "aegis serve to start");
  return { p, log: () => seen };
}

test(`(#12) ${KILLS} SIGKILLs of serve while a schedule fires every second: each fire has exactly one run`, async () => {
  for (let i = 0; i < KILLS; i++) {
    const { p } = await serve();
    // Random moments: often mid-fire (between the fire's row and its run, or inside the run's steps).
    await Bun.sleep(150 + Math.floor(Math.random() * 1200)); // the kill moment itself is what is being randomized
    p.kill("SIGKILL");
    await p.exited;
  }
  const last = await serve();
  await Bun.sleep(1500); // one more second of fires, so pending rows left by the last kill are started
  last.p.kill("SIGTERM");
  expect({ code: await last.p.exited, log: last.log() }).toMatchObject({ code: 0 });

  const db = new Database(dir.join(".aegis", "state.db"), { readonly: true });
  try {
    const fires = db.query<{ scheduled_at: number; state: string; run_id: string | null }, []>("SELECT scheduled_at, state, run_id FROM schedule_fires WHERE schedule = 'tick'").all();
    const runs = db.query<{ id: string; caller: string }, []>("SELECT id, caller FROM runs WHERE caller LIKE 'schedule:tick@%'").all();
    expect(fires.length).toBeGreaterThan(KILLS / 2);
    const byCaller = new Map<string, string[]>();
    for (const r of runs) byCaller.set(r.caller, [...(byCaller.get(r.caller) ?? []), r.id]);
    const doubled = [...byCaller].filter(([, ids]) => ids.length > 1);
    expect(doubled).toEqual([]);
    const runIds = new Set(runs.map((r) => r.id));
    for (const f of fires.filter((x) => x.state === "started")) {
      expect(runIds.has(f.run_id!)).toBe(true);
      expect(runs.find((r) => r.id === f.run_id)!.caller).toBe(`schedule:tick@${new Date(f.scheduled_at).toISOString()}`);
    }
    const linked = new Set(fires.map((f) => f.run_id).filter(Boolean));
    const fireKeys = new Set(fires.map((f) => `schedule:tick@${new Date(f.scheduled_at).toISOString()}`));
    for (const r of runs) expect(fireKeys.has(r.caller)).toBe(true);
    expect(fires.filter((f) => f.state === "skipped")).toEqual([]);
    console.error(`(#12) crash: ${KILLS} kills, ${fires.length} fires, ${runs.length} runs, ${linked.size} linked, ${fires.filter((f) => f.state === "pending").length} pending at the end`);
  } finally {
    db.close();
  }
}, 120_000 + KILLS * 5_000);
