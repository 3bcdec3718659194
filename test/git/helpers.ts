// Temporary git repositories for the worktree tests: real git, a fixed identity given through the environment of
// each setup command only (aegis's own commits must find none configured and fall back to its own).

import { mkdtempSync, realpathSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const ID = { GIT_AUTHOR_NAME: "Test User", GIT_AUTHOR_EMAIL: "test@example.com", GIT_COMMITTER_NAME: "Test User", GIT_COMMITTER_EMAIL: "test@example.com" };

/** Runs git synchronously in `dir` (test set-up only); returns trimmed stdout, throws on failure. */
export function sh(dir: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", "-C", dir, ...args], { env: { ...process.env, ...ID } });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

/** A new repository on branch main with `files` committed. */
export function makeRepo(files: Record<string, string> = { "README.md": "hello\n", "src/a.txt": "one\ntwo\nthree\n" }): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "aegis-git-")));
  sh(dir, "init", "-q", "-b", "main");
  writeFiles(dir, files);
  sh(dir, "add", "-A");
  sh(dir, "commit", "-q", "-m", "init");
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
}

/** Commits everything in `dir` with the test identity. */
export function commit(dir: string, message: string): string {
  sh(dir, "add", "-A");
  sh(dir, "commit", "-q", "-m", message);
  return sh(dir, "rev-parse", "HEAD");
}
