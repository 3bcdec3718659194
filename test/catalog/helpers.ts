// Test helpers for the built-in catalog: the catalog's workflows as aegis registers them, and git run as an agent
// would (with a fixed identity, tolerating a non-zero exit). Only for tests.

import { rmSync } from "node:fs";
import { loadBuiltinWorkflows } from "../../src/workflow/loader.ts";
import { getWorkflow, type Workflow } from "../../src/workflow/registry.ts";

const ID = { GIT_AUTHOR_NAME: "Agent", GIT_AUTHOR_EMAIL: "agent@example.com", GIT_COMMITTER_NAME: "Agent", GIT_COMMITTER_EMAIL: "agent@example.com" };

/** The built-in workflow `name`, loaded the way `aegis run` loads it. */
export async function builtin(name: string): Promise<Workflow<any, any>> {
  await loadBuiltinWorkflows();
  const wf = getWorkflow(name);
  if (!wf?.builtin) throw new Error(`no built-in workflow ${name}`);
  return wf;
}

/** git in `dir` as an agent runs it: the exit code and output, never a throw. */
export function git(dir: string, ...args: string[]): { code: number; out: string } {
  const r = Bun.spawnSync(["git", "-C", dir, ...args], { env: { ...process.env, ...ID } });
  return { code: r.exitCode, out: `${r.stdout.toString()}${r.stderr.toString()}`.trim() };
}

/** Today's date as review-branch names its report (UTC). */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function removeRepo(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A latch for showing that work overlaps: `arrive()` resolves once `n` parties have arrived, or after `ms` with
 * false (so a sequential run fails its assertion instead of hanging).
 */
export function barrier(n: number, ms = 5000): () => Promise<boolean> {
  let count = 0;
  let open!: () => void;
  const all = new Promise<void>((r) => (open = r));
  return async () => {
    if (++count >= n) open();
    let timer: Timer | undefined;
    const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
    const ok = await Promise.race([all.then(() => true), late]);
    clearTimeout(timer);
    return ok;
  };
}
