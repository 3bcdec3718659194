// Parallel agents on one repository, safely: alice and bob work at once, each in a git worktree of its own (branch
// aegis/<handle>, under .git/aegis-worktrees/), so neither sees the other's edits and the main checkout does not change
// until a merge lands. alice's merge goes in; bob's then conflicts (both wrote greeting.txt), and the conflict goes
// back to bob to resolve before his merge lands too. Needs the project folder to be a git repository of its own:
//   git init && git add -A && git commit -m start      (once, in a copy of this folder)
//   aegis run parallel                                 (then `aegis worktrees`, `aegis worktrees prune --merged`)
import { workflow, WorkflowError } from "aegis";

export default workflow("parallel", async (engine) => {
  // Worktrees branch off the project's repository: refuse to run inside another one (e.g. a clone of aegis itself).
  const top = await engine.bash('test "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)"');
  if (top.exitCode !== 0) {
    throw new WorkflowError("the parallel example needs the project folder to be a git repository of its own: run `git init && git add -A && git commit -m start` in it first");
  }
  const into = (await engine.bash("git branch --show-current")).stdout.trim();

  // Fan out: each agent gets its own worktree made from the current HEAD, and both edit the same file there at once.
  const alice = await engine.spawn("alice", { isolation: "worktree" });
  const bob = await engine.spawn("bob", { isolation: "worktree" });
  await engine.parallel([alice, bob].map((h) => () => engine.send(h, "Write a greeting to greeting.txt.")));
  for (const [name, h] of [["alice", alice], ["bob", bob]] as const) {
    const { files } = await engine.diff(h); // its changes against its base, committed or not
    engine.log(`${name} (${h}) changed ${files.map((f) => `${f.path} +${f.added} -${f.removed}`).join(", ")}`);
  }

  // Land alice's work. bob's now conflicts with it: the merge says where, and leaves the target as it was.
  const first = await engine.merge(alice, { into });
  if (!first.merged) throw new WorkflowError(`alice's merge conflicted on ${first.conflicts.map((c) => c.path).join(", ")}`);
  let second = await engine.merge(bob, { into });
  if (!second.merged) {
    const paths = second.conflicts.map((c) => c.path).join(", ");
    engine.log(`bob's merge conflicts on ${paths}: handing it back to bob`);
    await engine.send(bob, `Merging your branch into ${into} conflicts on ${paths}. Merge ${into} into your branch, resolve, and commit.`);
    second = await engine.merge(bob, { into });
    if (!second.merged) throw new WorkflowError(`bob did not resolve the conflict on ${second.conflicts.map((c) => c.path).join(", ")}`);
  }
  const greeting = (await engine.bash("cat greeting.txt")).stdout;
  return { into, alice: first.commit, bob: second.commit, greeting };
}, {
  description: "Two agents edit one repository in parallel worktrees; one merge lands, a conflict goes back to its agent",
});
