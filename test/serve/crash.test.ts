// The combined crash test of #12 (see fixtures/crash-scenario.ts): serve SIGKILLed at random moments while a schedule
// fires every second, runs sleep, wait for signals and park on a question, and a queue is busy; AEGIS_SERVE_KILLS
// kills (default 6 here; bench/serve-crash.ts runs 50 in CI).

import { afterAll, expect, test } from "bun:test";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { crashScenario } from "./fixtures/crash-scenario.ts";

const KILLS = Number(process.env.AEGIS_SERVE_KILLS ?? 6);
const dir = tempDir("serve-crash");
afterAll(() => dir.remove());

test(`(#12) ${KILLS} SIGKILLs of serve under schedules, sleeps, signals, parked questions and a busy queue: every fire one run, every timer once, nothing lost, no completed step run twice`, async () => {
  const { violations, figures } = await crashScenario(dir.path, KILLS);
  console.error(`(#12) serve crash: ${JSON.stringify(figures)}`);
  expect(violations).toEqual([]);
  expect(figures.tickRuns).toBeGreaterThan(0);
  expect(figures.signals).toBe(3 * figures.durableRuns);
}, 120_000 + KILLS * 6_000);
