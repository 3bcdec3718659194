// Serializes the git operations of this process that change a repository's worktree list or branches (adding,
// reattaching, removing worktrees; merging): concurrent `git worktree add`/`prune` calls race on git's metadata.
// Per common git dir, in-process only; git's own lock files guard against other processes.

import { logIgnored } from "../util/log-ignored.ts";

const chains = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier call for the same `key` has settled. */
export function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  // The chain only orders calls: each caller gets its own outcome from `next`, so the tail may drop it.
  const tail = next.then(() => undefined, logIgnored(`a serialized git operation on ${key} (its caller got the error)`));
  chains.set(key, tail);
  void tail.then(() => {
    if (chains.get(key) === tail) chains.delete(key);
  });
  return next;
}
