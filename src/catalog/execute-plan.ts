// The `execute-plan` workflow of the built-in catalog: a Markdown plan's `## Slice N — title` sections (plan.ts)
// become tasks, each an agent session in its own git worktree, up to --concurrency at a time; then the slices are
// merged in their order into the target branch. A slice that conflicts with what landed before it goes back to its
// agent: the target is merged into its branch in its worktree and the agent resolves the conflicted files; then the
// merge is retried. Returns a report per slice.
// Every spawn, turn, git check and merge is a journaled step, so a resumed run neither re-pays turns nor merges twice.

import { WorkflowError, workflow, z, type WorkflowEngine } from "../index.ts";
import { clip, pickAgent, shq } from "./common.ts";
import { parsePlan, type Plan, type Slice } from "./plan.ts";

export interface SliceReport {
  slice: number;
  title: string;
  status: "merged" | "conflict" | "failed";
  handle?: string;
  branch?: string;
  /** The target's commit after this slice landed. */
  commit?: string;
  /** Files that conflicted on the first merge attempt (resolved when status is "merged"). */
  conflicts?: string[];
  /** Rounds the agent spent resolving conflicts. */
  resolveRounds?: number;
  /** The agent's last reply, cut. */
  summary?: string;
  error?: string;
}

interface Built { slice: Slice; handle?: string; branch?: string; path?: string; reply?: string; error?: string }

export default workflow("execute-plan", async (engine, args) => {
  const agent = pickAgent(engine, args.agent, "agent");
  const read = await engine.bash(`cat -- ${shq(args.plan)} && git rev-parse --abbrev-ref HEAD`);
  if (read.exitCode !== 0) {
    throw new WorkflowError(`execute-plan: cannot read the plan ${args.plan}, or the project is no git checkout: ${read.stderr.trim()}`, {
      code: "E_USAGE", hint: "pass --plan <file> relative to the project root, in a git repository",
    });
  }
  const lines = read.stdout.trimEnd().split("\n");
  const current = lines.pop()!.trim();
  const into = args.into ?? current;
  if (into === "HEAD") throw new WorkflowError("execute-plan: the checkout is on a detached HEAD, so there is no branch to merge into", { code: "E_USAGE", hint: "pass --into <branch>" });
  const plan = parsePlan(lines.join("\n"), args.plan);
  engine.log(`execute-plan: ${plan.slices.length} slices from ${args.plan}, up to ${args.concurrency} at a time, merged into ${into}`);
  const built = await pool(engine, plan.slices, args.concurrency, (s) => buildSlice(engine, agent, plan, s));
  const report: SliceReport[] = [];
  for (const b of built) {
    const r = await landSlice(engine, b, into, args.mergeRetries);
    report.push(r);
    engine.log(`execute-plan: slice ${r.slice} — ${r.title}: ${r.status}${r.conflicts ? ` (conflicts: ${r.conflicts.join(", ")}; ${r.resolveRounds} round${r.resolveRounds === 1 ? "" : "s"} of resolving)` : ""}`);
    await engine.checkpoint(`slice-${r.slice}`, { status: r.status, ...(r.commit ? { commit: r.commit } : {}) });
  }
  const bad = report.filter((r) => r.status !== "merged");
  if (bad.length) {
    throw new WorkflowError(`execute-plan: ${bad.length} of ${report.length} slices did not land in ${into}: ${bad.map((r) => `slice ${r.slice} ${r.status}${r.error ? ` (${r.error})` : ""}`).join("; ")}`, {
      data: { into, slices: report },
      hint: "the merged slices stay merged; the others' branches are kept (aegis worktrees) for a look or a manual merge",
    });
  }
  return { plan: args.plan, into, slices: report };
}, {
  description: "Run a plan's slices in parallel git worktrees, merge them in order, hand conflicts back to the agent",
  args: z.object({
    plan: z.string().min(1).describe("The plan file (Markdown with \"## Slice N — title\" sections), relative to the project root"),
    agent: z.string().optional().describe("The agent that builds each slice (default: the config's defaultAgent)"),
    concurrency: z.number().int().min(1).default(2).describe("Slices built at the same time"),
    into: z.string().optional().describe("The branch that receives the slices (default: the branch checked out at start)"),
    mergeRetries: z.number().int().min(0).default(2).describe("Rounds an agent gets to resolve its slice's merge conflict"),
  }),
  usage: `The plan is Markdown. Each "## Slice N — title" heading (an em dash, "-" or ":" also works) starts a slice, whose
text runs to the next heading of level 1 or 2; the text before the first slice is context every agent gets. Each slice
is one session of --agent in its own git worktree (branch aegis/<handle>, from HEAD), up to --concurrency at once; the
agent is asked to implement just its slice and commit. Then the slices are merged into --into in their numbers' order
(a fast-forward or a merge commit; whatever the agent left uncommitted is committed first). When a slice conflicts
with what landed before it, aegis merges the target into the slice's branch in its worktree and its agent resolves
the conflicted files (editing only: aegis commits); the merge is then retried (up to --merge-retries rounds). Returns one report per slice (status,
branch, commit, conflicts, resolving rounds, the agent's summary); the run fails if any slice did not land, and the
slices that did stay merged.`,
  // As many sessions as the plan file has slices, known only once it is read.
  plan: () => ({ agents: null, turns: null }),
  examples: [
    "aegis run execute-plan --plan docs/plan.md",
    "aegis run execute-plan --plan PLAN.md --agent impl --concurrency 3 --into integration",
  ],
});

/** Runs `fn` over `items`, at most `limit` at a time; results keep the items' order. */
async function pool<T, R>(engine: WorkflowEngine, items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await engine.parallel(Array.from({ length: Math.min(limit, items.length) }, () => worker));
  return out;
}

async function buildSlice(engine: WorkflowEngine, agent: string, plan: Plan, s: Slice): Promise<Built> {
  let handle: string | undefined;
  try {
    handle = await engine.spawn(agent, { isolation: "worktree" });
    const wt = await engine.worktree(handle);
    const reply = await engine.send(handle, [
      `You are implementing slice ${s.n} of a plan: "${s.title}". Other agents build the other slices at the same time,`,
      `each in its own worktree; they are merged in order afterwards. You work in a git worktree on branch ${wt.branch}.`,
      "Do only this slice, keep unrelated files untouched, and make sure it builds and its tests pass. Commit your work if",
      "you can; whatever you leave uncommitted, aegis commits on your branch.",
      "Reply with a short summary of what you changed.",
      ...(plan.context ? ["", "The plan's context:", plan.context] : []),
      "", `## Slice ${s.n} — ${s.title}`, s.body,
    ].join("\n"));
    return { slice: s, handle, branch: wt.branch, path: wt.path, reply };
  } catch (err) {
    if (engine.signal.aborted) throw err;
    // One slice's failure must not stop the others: the report carries it.
    engine.log(`execute-plan: slice ${s.n} failed: ${(err as Error).message}`);
    return { slice: s, ...(handle ? { handle } : {}), error: (err as Error).message };
  }
}

async function landSlice(engine: WorkflowEngine, b: Built, into: string, retries: number): Promise<SliceReport> {
  const base = { slice: b.slice.n, title: b.slice.title, ...(b.handle ? { handle: b.handle } : {}), ...(b.branch ? { branch: b.branch } : {}) };
  if (b.error !== undefined || !b.handle || !b.path) return { ...base, status: "failed", error: b.error ?? "no session" };
  const message = `Slice ${b.slice.n} — ${b.slice.title}`;
  let summary = b.reply ?? "";
  try {
    // What the agent left uncommitted goes in under the slice's title (merge would commit it as "work left by").
    await engine.commit(b.handle, message);
    let r = await engine.merge(b.handle, { into, message });
    if (r.merged) return { ...base, status: "merged", commit: r.commit, summary: clip(summary, 2000) };
    const conflicts = r.conflicts.map((c) => c.path);
    let rounds = 0;
    let left: string[] = [];
    while (!r.merged && rounds < retries) {
      rounds++;
      // The target comes into the slice's branch in its worktree; the agent only edits the conflicted files (any
      // permission that may edit files will do), and merge() commits them, concluding that merge, then lands it.
      const files = await startMerge(engine, b.path, into);
      if (files.length) {
        summary = await engine.send(b.handle, [
          left.length
            ? `These files still have conflict markers: ${left.join(", ")}. Finish resolving them.`
            : `Your slice could not be merged: ${into} has moved on (earlier slices landed). I have merged ${into} into your branch ${b.branch} in your worktree; these files conflict: ${files.join(", ")}.`,
          "Edit them so that both sides' intent is kept and no conflict marker (<<<<<<<, =======, >>>>>>>) is left; keep it",
          "building and its tests passing. Do not run git commands that commit, abort or reset: aegis commits the merge.",
          "Reply with how you resolved it.",
        ].join("\n"));
        left = await withMarkers(engine, b.path, files);
        if (left.length) {
          engine.log(`execute-plan: slice ${b.slice.n}: conflict markers left after round ${rounds}: ${left.join(", ")}`);
          continue;
        }
      }
      // Concludes the merge of the target into the slice's branch, named as such in the history.
      await engine.commit(b.handle, `Merge ${into} into ${b.branch} (slice ${b.slice.n} — ${b.slice.title}): conflicts resolved by ${b.handle}`);
      r = await engine.merge(b.handle, { into, message });
    }
    return r.merged
      ? { ...base, status: "merged", commit: r.commit, conflicts, resolveRounds: rounds, summary: clip(summary, 2000) }
      : { ...base, status: "conflict", conflicts, resolveRounds: rounds, summary: clip(summary, 2000), error: `still conflicting after ${rounds} round${rounds === 1 ? "" : "s"}` };
  } catch (err) {
    if (engine.signal.aborted) throw err;
    return { ...base, status: "failed", error: (err as Error).message, summary: clip(summary, 2000) };
  }
}

/** Merges `into` into the worktree's branch without committing (unless a merge is already under way); the conflicted files. */
async function startMerge(engine: WorkflowEngine, path: string, into: string): Promise<string[]> {
  const r = await engine.bash(
    `git rev-parse -q --verify MERGE_HEAD >/dev/null || git merge --no-commit --no-ff ${shq(into)} >/dev/null 2>&1; git diff --name-only --diff-filter=U`,
    { cwd: path },
  );
  return r.stdout.split("\n").map((s) => s.trim()).filter(Boolean);
}

/** Which of `files` in the worktree still hold conflict markers. */
async function withMarkers(engine: WorkflowEngine, path: string, files: string[]): Promise<string[]> {
  const r = await engine.bash(`grep -lE '^(<<<<<<<|>>>>>>>)( |$)' -- ${files.map(shq).join(" ")} 2>/dev/null`, { cwd: path });
  return r.stdout.split("\n").map((s) => s.trim()).filter(Boolean);
}
