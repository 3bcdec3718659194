// What an agent changed in its worktree: committing its leftovers (a no-op when clean) and the diff of the worktree
// (commits and uncommitted files, untracked included) against the base. Commits get an aegis identity only when the
// user has none configured, through the environment: the user's git config is never written. The diff reads the
// working tree through a throwaway index, so the agent's own index is left as it was.

import { copyFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../util/ids.ts";
import { git, gitText, splitZ } from "./exec.ts";

/** The identity aegis commits under when git has none configured. */
export const AEGIS_IDENTITY = { name: "aegis", email: "aegis@localhost" };

/** Author/committer variables for the identities git lacks in `dir` (empty when the user has both configured). */
export async function identityEnv(dir: string): Promise<Record<string, string>> {
  const get = async (key: string) => (await git(dir, ["config", "--get", key], { ok: [0, 1] })).stdout.trim();
  const [name, email] = await Promise.all([get("user.name"), get("user.email")]);
  const env: Record<string, string> = {};
  if (!name) Object.assign(env, { GIT_AUTHOR_NAME: AEGIS_IDENTITY.name, GIT_COMMITTER_NAME: AEGIS_IDENTITY.name });
  if (!email) Object.assign(env, { GIT_AUTHOR_EMAIL: AEGIS_IDENTITY.email, GIT_COMMITTER_EMAIL: AEGIS_IDENTITY.email });
  return env;
}

export interface CommitResult {
  /** False when there was nothing to commit. */
  committed: boolean;
  /** The branch tip afterwards. */
  commit: string;
}

/**
 * Commits every uncommitted change in the worktree at `dir` (`git add -A`), skipping the user's commit hooks (this
 * is a snapshot of an agent's leftovers, not a reviewed commit). A no-op when the worktree is clean.
 */
export async function commitAll(dir: string, message: string): Promise<CommitResult> {
  const status = (await git(dir, ["status", "--porcelain", "-z", "--untracked-files=all"])).stdout;
  if (status !== "") {
    await git(dir, ["add", "-A"]);
    await git(dir, ["-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", message], { env: await identityEnv(dir) });
  }
  return { committed: status !== "", commit: await gitText(dir, ["rev-parse", "HEAD"]) };
}

export interface FileChange {
  path: string;
  /** Lines added (0 for a binary file). */
  added: number;
  /** Lines removed (0 for a binary file). */
  removed: number;
  /** Present and true for a binary file. */
  binary?: boolean;
}

export interface Diff {
  files: FileChange[];
  /** The unified diff (binary files as "Binary files … differ"). */
  patch: string;
}

/** The worktree at `dir` (committed and not, untracked included) against `base`. Leaves its index untouched. */
export async function diffWorktree(dir: string, base: string): Promise<Diff> {
  const gitDir = await gitText(dir, ["rev-parse", "--path-format=absolute", "--git-dir"]);
  const index = join(tmpdir(), `aegis-index-${newId("idx")}`);
  try {
    if (existsSync(join(gitDir, "index"))) copyFileSync(join(gitDir, "index"), index);
    const env = { GIT_INDEX_FILE: index };
    await git(dir, ["add", "-A"], { env });
    const numstat = (await git(dir, ["diff", "--cached", "--no-renames", "--numstat", "-z", base], { env })).stdout;
    const patch = (await git(dir, ["diff", "--cached", "--no-renames", "--no-color", "--no-ext-diff", base], { env })).stdout;
    return { files: parseNumstat(numstat), patch };
  } finally {
    rmSync(index, { force: true });
  }
}

function parseNumstat(out: string): FileChange[] {
  return splitZ(out).map((rec) => {
    const [a, r, ...rest] = rec.split("\t");
    const path = rest.join("\t");
    if (a === "-" && r === "-") return { path, added: 0, removed: 0, binary: true };
    return { path, added: Number(a), removed: Number(r) };
  });
}
