// The built-in execute-plan workflow on a real CLI (#13): a plan of three slices, each slice's text carrying a `RUN:`
// directive for the mock LLM, so the CLI's own shell tool writes one file in its slice's worktree. Two slices run at
// once; aegis commits what each left and merges them in order into main, whose checkout ends clean with all three
// files. Skips a CLI not installed in .live/ (AEGIS_LIVE=1: fails).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { validateConfig } from "../../src/config/validate.ts";
import { createRuntime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import { startRun } from "../../src/workflow/runner.ts";
import { builtin } from "../catalog/helpers.ts";
import { sh } from "../git/helpers.ts";
import { makeLiveEnv } from "./cli-env.ts";
import { findTagged, waitFor } from "./live-helpers.ts";
import { skipLive, type LiveCliName } from "./live-install.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";

const CLIS: LiveCliName[] = ["claude", "opencode"];
const TIMEOUT_MS = 180_000;

const PLAN = `# A plan for a live test

Each slice writes one file.

## Slice 1 — alpha
RUN: printf 'alpha\\n' > alpha.txt

## Slice 2 — beta
RUN: printf 'beta\\n' > beta.txt

## Slice 3 - gamma
RUN: printf 'gamma\\n' > gamma.txt
`;

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock.stop();
});

for (const cli of CLIS) {
  describe.skipIf(skipLive(cli))(`live execute-plan on ${cli} (#13)`, () => {
    test("three slices in parallel worktrees, each written by the CLI's shell tool, merged in order into main", async () => {
      await using env = await makeLiveEnv(cli, mock, { permission: "full" });
      const repo = env.workDir;
      writeFileSync(join(repo, ".gitignore"), ".aegis/\n");
      writeFileSync(join(repo, "PLAN.md"), PLAN);
      sh(repo, "init", "-q", "-b", "main");
      sh(repo, "add", "-A");
      sh(repo, "commit", "-q", "-m", "start");
      const config = validateConfig({ agents: { impl: { provider: env.provider } } }, join(repo, ".aegis.ts"), repo);
      const store = openStore(":memory:");
      const rt = createRuntime({ config, store, queues: { pollMs: 0 } });
      let out;
      try {
        out = await startRun(rt, await builtin("execute-plan"), { plan: "PLAN.md", concurrency: 2 });
      } finally {
        await rt.close();
        store.close();
      }
      expect(out.error, JSON.stringify(out.error)).toBeUndefined();
      const res = out.result as { into: string; slices: { slice: number; status: string; summary: string }[] };
      expect(res.into).toBe("main");
      expect(res.slices.map((s) => [s.slice, s.status])).toEqual([[1, "merged"], [2, "merged"], [3, "merged"]]);
      expect(res.slices.every((s) => s.summary.includes("TOOL OUTPUT:"))).toBe(true);
      for (const f of ["alpha", "beta", "gamma"]) {
        expect(sh(repo, "show", `main:${f}.txt`)).toBe(f);
        expect(readFileSync(join(repo, `${f}.txt`), "utf8")).toBe(`${f}\n`);
      }
      expect(sh(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
      expect(await waitFor("no CLI process left", () => findTagged(env.tag).length === 0, 10_000)).toBe(true);
    }, TIMEOUT_MS);
  });
}
