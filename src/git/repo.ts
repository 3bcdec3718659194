// Finds the git repository of a project folder: its main worktree root, the common git dir (shared by every
// worktree) and where aegis keeps its worktrees. A folder outside any repository is E_STATE with a hint; a missing
// git is E_AGENT_MISSING (exec.ts). `currentBranch` reads HEAD without starting git, so a run can record the branch it
// started on at no cost. It creates nothing.

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { AegisError } from "../util/errors.ts";
import { git } from "./exec.ts";

export interface Repo {
  /** The main worktree's root (the project checkout). */
  root: string;
  /** The common git dir (`<root>/.git` for an ordinary repository). */
  commonDir: string;
  /**
   * Where aegis puts its worktrees: `<commonDir>/aegis-worktrees`. Inside the git dir, so the main checkout's
   * `git status`, test runners, file watchers and an agent's listing of the main tree never see them.
   */
  worktreesDir: string;
}

/** The repository holding `dir`. E_STATE (with a hint) if there is none. */
export async function openRepo(dir: string): Promise<Repo> {
  const r = await git(dir, ["rev-parse", "--path-format=absolute", "--git-common-dir", "--show-toplevel"], { ok: [0, 128] });
  if (r.code !== 0) throw notARepo(dir, r.stderr);
  const [commonDir, top] = r.stdout.trim().split("\n");
  if (!commonDir || !top) throw notARepo(dir, r.stderr || "git rev-parse printed no work tree (a bare repository?)");
  // From inside a linked worktree, the main root is the common dir's parent (for the ordinary `<root>/.git` layout).
  const root = commonDir.endsWith("/.git") ? dirname(commonDir) : top;
  return { root, commonDir, worktreesDir: join(commonDir, "aegis-worktrees") };
}

function notARepo(dir: string, stderr: string): AegisError {
  return new AegisError("E_STATE", `worktree isolation needs a git repository, and ${dir} is not in one: ${stderr.trim().split("\n")[0] ?? ""}`, {
    data: { dir },
    hint: "run `git init && git add -A && git commit -m init` in the project, or spawn the agent with isolation: \"none\"",
  });
}

/**
 * The branch checked out in the repository holding `dir` (e.g. "main"), read from the files; null when HEAD is
 * detached or `dir` is in no repository. Never starts a process.
 */
export function currentBranch(dir: string): string | null {
  const gitDir = findGitDir(resolve(dir));
  if (!gitDir) return null;
  try {
    const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
    const m = /^ref: refs\/heads\/(.+)$/.exec(head);
    return m ? m[1]! : null;
  } catch {
    return null; // unreadable HEAD: treat as no branch; a later git command reports the real problem
  }
}

function findGitDir(start: string): string | null {
  for (let d = start; ; d = dirname(d)) {
    const dotGit = join(d, ".git");
    if (existsSync(dotGit)) {
      if (statSync(dotGit).isDirectory()) return dotGit;
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, "utf8"));
      if (!m) return null;
      return isAbsolute(m[1]!.trim()) ? m[1]!.trim() : resolve(d, m[1]!.trim());
    }
    if (dirname(d) === d) return null;
  }
}
