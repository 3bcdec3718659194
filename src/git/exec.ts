// The one way aegis runs git: every call goes through src/proc (capture.ts), with `git -C <dir>`, a fixed locale and
// no pager or prompt, and a failure becomes an AegisError naming the command and git's own message. A missing git is
// E_AGENT_MISSING with an install hint. It knows no workflow, session or store.

import { capture } from "../proc/capture.ts";
import { AegisError } from "../util/errors.ts";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  /** Extra environment (e.g. GIT_INDEX_FILE, an author identity). */
  env?: Record<string, string>;
  /** Exit codes that are results, not failures (e.g. 1 for `merge-base --is-ancestor`). Default [0]. */
  ok?: readonly number[];
}

const FIXED_ENV = { LC_ALL: "C", GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat", GIT_OPTIONAL_LOCKS: "0" };

/**
 * Variables that point git at another repository, work tree or index. A git hook exports some of them, so an aegis
 * started from a hook would otherwise run every git call against the hook's repository (`git add -A` in a worktree
 * with GIT_WORK_TREE set stages the main checkout). Unset unless the call sets them itself.
 */
const REPO_VARS = [
  "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_NAMESPACE", "GIT_PREFIX",
];

/** Runs `git -C dir ...args`. Throws E_STATE when git exits with a code not in `ok`, E_AGENT_MISSING without git. */
export async function git(dir: string, args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  const unset = REPO_VARS.filter((v) => opts.env?.[v] === undefined);
  const r = await capture(["git", "-C", dir, ...args], { cwd: dir, env: { ...FIXED_ENV, ...opts.env }, unset });
  if (r.code === 127 && /not found|No such file/i.test(r.stderr)) throw gitMissing();
  if (!(opts.ok ?? [0]).includes(r.code)) {
    const msg = r.stderr.trim().split("\n").slice(-6).join("\n") || `exit ${r.code}`;
    throw new AegisError("E_STATE", `git ${args[0] ?? ""} failed in ${dir}: ${msg}`, {
      data: { dir, args: [...args], code: r.code, stderr: r.stderr.slice(-4000) },
    });
  }
  return r;
}

/** `git ...` and its trimmed stdout. */
export async function gitText(dir: string, args: readonly string[], opts: GitOptions = {}): Promise<string> {
  return (await git(dir, args, opts)).stdout.trim();
}

export function gitMissing(): AegisError {
  return new AegisError("E_AGENT_MISSING", "git is not installed (or not on PATH): worktree isolation needs it", {
    hint: "install git (e.g. `apt-get install git`, `brew install git`) or spawn the agent without isolation: \"worktree\"",
  });
}

/** Splits NUL-separated output, dropping the empty tail. */
export function splitZ(s: string): string[] {
  const parts = s.split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}
