// Parallel agents' isolation on the real CLIs (#11): a workflow spawns Claude Code, Gemini CLI, OpenCode and Codex CLI
// with isolation: "worktree" in a scratch git repository; the mock LLM has each one run a shell command through its
// own shell tool that writes a file (a relative path: the CLI's cwd is its worktree). Until the workflow merges, the
// file is in the worktree and not in the main checkout, whose `git status` stays clean; after `engine.merge` it is in
// the main checkout, on the branch the run started on. The same through a queue with isolation, where aegis commits
// the worker's leftovers on its branch. Skips a CLI not installed in .live/ (AEGIS_LIVE=1: fails).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { validateConfig } from "../../src/config/validate.ts";
import { createRuntime } from "../../src/runtime.ts";
import { mergeWorktree } from "../../src/session/worktree-ops.ts";
import { openStore } from "../../src/store/store.ts";
import type { RunEvent } from "../../src/ui/events.ts";
import { workflow } from "../../src/workflow/registry.ts";
import { startRun } from "../../src/workflow/runner.ts";
import { sh } from "../git/helpers.ts";
import { makeLiveEnv } from "./cli-env.ts";
import { findTagged, waitFor } from "./live-helpers.ts";
import { type LiveCliName, skipLive } from "./live-install.ts";
import { startMockLlm, type MockLlm } from "./mock-llm.ts";

const CLIS: LiveCliName[] = ["claude", "gemini", "opencode", "codex"];
const TIMEOUT_MS = 120_000;
const FILE = "live-edit.txt";

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock.stop();
});

interface BeforeMerge {
  path: string;
  inWorktree: string | null;
  inMain: boolean;
  mainStatus: string;
}

for (const cli of CLIS) {
  describe.skipIf(skipLive(cli))(`live ${cli}: edits in its own worktree reach the main checkout only by merge (#11)`, () => {
    test("the shell tool's edit lands in the worktree; the main checkout is unchanged until engine.merge brings it in", async () => {
      await using env = await makeLiveEnv(cli, mock);
      const repo = env.workDir;
      writeFileSync(join(repo, ".gitignore"), ".aegis/\n");
      sh(repo, "init", "-q", "-b", "main");
      sh(repo, "add", "-A");
      sh(repo, "commit", "-q", "-m", "start");

      const config = validateConfig({ agents: { impl: { provider: env.provider } } }, join(repo, ".aegis.ts"), repo);
      const store = openStore(":memory:");
      const rt = createRuntime({ config, store, queues: { pollMs: 0 } });
      const events: RunEvent[] = [];
      let before: BeforeMerge | undefined;
      const wf = workflow(`live-worktree-${cli}`, async (e) => {
        const h = await e.spawn("impl", { isolation: "worktree" });
        const wt = await e.worktree(h);
        const reply = await e.send(h, `RUN: printf 'edited by ${cli}\\n' > ${FILE}`);
        before = {
          path: wt.path,
          inWorktree: existsSync(join(wt.path, FILE)) ? readFileSync(join(wt.path, FILE), "utf8") : null,
          inMain: existsSync(join(repo, FILE)),
          mainStatus: sh(repo, "status", "--porcelain", "--untracked-files=all"),
        };
        const commit = await e.commit(h, `${cli}: live edit`);
        const diff = await e.diff(h);
        const merged = await e.merge(h);
        return { branch: wt.branch, reply, commit, files: diff.files, merged };
      });
      let out;
      try {
        out = await startRun(rt, wf, {}, { onEvent: (ev) => events.push(ev) });
      } finally {
        await rt.close();
        store.close();
      }
      expect(out.error, JSON.stringify(out.error)).toBeUndefined();
      expect(out.status).toBe("done");
      const r = out.result as { branch: string; reply: string; commit: { committed: boolean; commit: string }; files: unknown[]; merged: { merged: boolean; commit?: string } };

      // Before the merge: the CLI's shell wrote into its worktree (its cwd), and nothing reached the main checkout.
      expect(r.reply).toContain("TOOL OUTPUT:");
      expect(before?.path.startsWith(join(repo, ".git", "aegis-worktrees"))).toBe(true);
      expect(before?.inWorktree).toBe(`edited by ${cli}\n`);
      expect(before?.inMain).toBe(false);
      expect(before?.mainStatus).toBe("");
      expect(r.commit.committed).toBe(true);
      expect(r.files).toEqual([{ path: FILE, added: 1, removed: 0 }]);

      // After it: the file is in the main checkout, on main, whose tip is the merged commit; the checkout is clean.
      expect(r.merged).toEqual({ merged: true, commit: sh(repo, "rev-parse", "main") });
      expect(readFileSync(join(repo, FILE), "utf8")).toBe(`edited by ${cli}\n`);
      expect(sh(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
      expect(sh(repo, "log", "-1", "--format=%s", r.branch)).toBe(`${cli}: live edit`);
      expect(await waitFor("no CLI process left", () => findTagged(env.tag).length === 0, 10_000)).toBe(true);
    }, TIMEOUT_MS);

    test("a queue with isolation: the worker's shell edit is committed on its branch by aegis; main changes only by merge", async () => {
      await using env = await makeLiveEnv(cli, mock);
      const repo = env.workDir;
      sh(repo, "init", "-q", "-b", "main");
      sh(repo, "add", "-A");
      sh(repo, "commit", "-q", "-m", "start");
      const config = validateConfig({ agents: { impl: { provider: env.provider } }, queues: { work: { agent: "impl", isolation: "worktree" } } }, join(repo, ".aegis.ts"), repo);
      const store = openStore(":memory:");
      const rt = createRuntime({ config, store, queues: { pollMs: 0 } });
      try {
        await rt.queues.start();
        const { taskId } = (await rt.queues.enqueue("work", `RUN: printf 'queued by ${cli}\\n' > ${FILE}`));
        const task = await rt.queues.waitFor(taskId, { timeoutMs: TIMEOUT_MS / 2 });
        expect(task.error).toBeNull();
        expect(task).toMatchObject({ status: "done", branch: `aegis/${task.workerHandle}`, diff: { files: 1, added: 1, removed: 0 } });
        expect(task.commit).toBe(sh(repo, "rev-parse", task.branch!));
        expect(sh(repo, "show", `${task.commit}:${FILE}`)).toBe(`queued by ${cli}`);
        expect(existsSync(join(repo, FILE))).toBe(false);
        expect(sh(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
        expect(await mergeWorktree(rt.db, task.workerHandle!, { into: "main" })).toEqual({ merged: true, commit: task.commit! });
        expect(readFileSync(join(repo, FILE), "utf8")).toBe(`queued by ${cli}\n`);
      } finally {
        await rt.close();
        store.close();
      }
      expect(await waitFor("no CLI process left", () => findTagged(env.tag).length === 0, 10_000)).toBe(true);
    }, TIMEOUT_MS);
  });
}
