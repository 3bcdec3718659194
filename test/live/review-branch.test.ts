// The built-in review-branch workflow on two real CLIs as reviewers (#13): Claude Code and Gemini CLI, each with a
// read permission, review a feature branch of a scratch git repository in parallel against the loopback mock LLM
// (which echoes the prompt, diff included). The report docs/reviews/<date>-<branch>.md holds both reviewers' texts,
// each having seen the diff; each CLI's API saw a model request; no CLI process is left. Skips a CLI not installed
// in .live/ (AEGIS_LIVE=1: fails).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { validateConfig } from "../../src/config/validate.ts";
import { createRuntime } from "../../src/runtime.ts";
import { openStore } from "../../src/store/store.ts";
import { startRun } from "../../src/workflow/runner.ts";
import { builtin, today } from "../catalog/helpers.ts";
import { sh } from "../git/helpers.ts";
import { makeLiveEnv } from "./cli-env.ts";
import { findTagged, waitFor } from "./live-helpers.ts";
import { skipLive, type LiveCliName } from "./live-install.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";
import type { ApiName } from "./mock-script.ts";

const TIMEOUT_MS = 180_000;
const MARKER = "LIVE_REVIEW_MARKER_13";
const PAIRS: [LiveCliName, LiveCliName][] = [["claude", "gemini"], ["opencode", "claude"]];
const API: Record<LiveCliName, ApiName> = { claude: "anthropic", gemini: "gemini", opencode: "openai", codex: "responses" };

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock.stop();
});

for (const [first, second] of PAIRS) {
  describe.skipIf(skipLive(first) || skipLive(second))(`live review-branch: ${first} and ${second} as reviewers (#13)`, () => {
    test("both review git diff main...HEAD in parallel; the report holds both texts", async () => {
      await using a = await makeLiveEnv(first, mock, { permission: "read" });
      await using b = await makeLiveEnv(second, mock, { permission: "read" });
      const repo = a.workDir;
      writeFileSync(join(repo, ".gitignore"), ".aegis/\n");
      sh(repo, "init", "-q", "-b", "main");
      sh(repo, "add", "-A");
      sh(repo, "commit", "-q", "-m", "start");
      sh(repo, "checkout", "-q", "-b", "feature/live");
      writeFileSync(join(repo, "answer.ts"), `export const answer = 42; // ${MARKER}\n`);
      sh(repo, "add", "answer.ts");
      sh(repo, "commit", "-q", "-m", "add the answer");

      const config = validateConfig({ agents: { [first]: { provider: a.provider }, [second]: { provider: b.provider } }, defaultAgent: first }, join(repo, ".aegis.ts"), repo);
      const store = openStore(":memory:");
      const rt = createRuntime({ config, store, queues: { pollMs: 0 } });
      const before = { a: mock.modelRequests(API[first]).length, b: mock.modelRequests(API[second]).length };
      let out;
      try {
        out = await startRun(rt, await builtin("review-branch"), { reviewers: `${first},${second}` });
      } finally {
        await rt.close();
        store.close();
      }
      expect(out.error, JSON.stringify(out.error)).toBeUndefined();
      const res = out.result as { report: string; reviewers: { agent: string; handle: string; error?: string }[] };
      expect(res.report).toBe(`docs/reviews/${today()}-feature-live.md`);
      expect(res.reviewers.map((r) => [r.agent, r.error])).toEqual([[first, undefined], [second, undefined]]);
      const report = readFileSync(join(repo, res.report), "utf8");
      const sections = report.split(/^## Review \d+: /m).slice(1);
      expect(sections.map((s) => s.split(" ")[0])).toEqual([first, second]);
      for (const s of sections) {
        // The mock echoes the prompt: the reviewer's text is in the report, and it had the diff.
        expect(s).toContain("ECHO: > from workflow:review-branch:"); // the delivery header, then the prompt
        expect(s).toContain("Review the changes of branch \"feature/live\" against \"main\" (git diff main...HEAD)");
        expect(s).toContain(`+export const answer = 42; // ${MARKER}`);
      }
      expect(mock.modelRequests(API[first]).length).toBeGreaterThan(before.a);
      expect(mock.modelRequests(API[second]).length).toBeGreaterThan(before.b);
      expect(sh(repo, "status", "--porcelain")).toBe("?? docs/");
      expect(await waitFor("no CLI process left", () => findTagged(a.tag).length === 0 && findTagged(b.tag).length === 0, 10_000)).toBe(true);
    }, TIMEOUT_MS);
  });
}
