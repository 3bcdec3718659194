// Restart safety under SIGKILL: a few crash trials in the regular suite (bench/queue-crash.ts runs 50+ in CI).

import { expect, test } from "bun:test";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { crashTrial, seeded } from "./fixtures/crash-harness.ts";
import { writeProject } from "./fixtures/project.ts";

test("aegis work killed with SIGKILL at random moments and restarted: every task ends once, no callback lost", async () => {
  using dir = tempDir("crash");
  const project = writeProject(dir.path, { delayMs: 30, maxParallel: 4 });
  const seed = Number(process.env.AEGIS_CRASH_SEED ?? Date.now() % 100_000);
  const rng = seeded(seed);
  for (let t = 0; t < 4; t++) {
    const r = await crashTrial(project, dir.join(`trial-${t}`), { tasks: 24, maxKillMs: 700, rng }).catch((err) => {
      throw new Error(`seed ${seed}: ${(err as Error).message}`);
    });
    expect(r.done + r.interrupted).toBe(24);
  }
}, 60_000);
