// Restart safety under SIGKILL: a few crash trials in the regular suite (bench/queue-crash.ts runs 50+ in CI), on both
// store backends (#15): the state in the trial's SQLite folder, or in a fresh PostgreSQL database per trial.

import { expect, setDefaultTimeout, test } from "bun:test";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { describeRuntimes } from "../helpers/runtimes.ts";
import { crashTrial, seeded } from "./fixtures/crash-harness.ts";
import { writeProject } from "./fixtures/project.ts";

// The first PostgreSQL test of the file starts the throwaway cluster: seconds on a loaded machine.
setDefaultTimeout(30_000);

describeRuntimes("restart safety under SIGKILL", (b) => {
  test("aegis work killed with SIGKILL at random moments and restarted: every task ends once, no callback lost", async () => {
    using dir = tempDir("crash");
    const project = writeProject(dir.path, { delayMs: 30, maxParallel: 4 });
    const seed = Number(process.env.AEGIS_CRASH_SEED ?? Date.now() % 100_000);
    const rng = seeded(seed);
    for (let t = 0; t < 4; t++) {
      const state = b.name === "postgres" ? await b.fresh() : undefined;
      const r = await crashTrial(project, dir.join(`trial-${t}`), { tasks: 24, maxKillMs: 700, rng, ...(state ? { state } : {}) }).catch((err) => {
        throw new Error(`seed ${seed}: ${(err as Error).message}`);
      });
      expect(r.done + r.interrupted).toBe(24);
    }
  }, 120_000);
});
