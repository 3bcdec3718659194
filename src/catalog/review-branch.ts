// The `review-branch` workflow of the built-in catalog: the current branch's changes (`git diff <base>...HEAD`)
// reviewed by one or more agents in parallel, every reviewer's text gathered into one Markdown report written to
// docs/reviews/<date>-<branch>.md under the project root (-2, -3… for another review that day). An empty diff says so
// and writes nothing. The git facts (branch, date, diff) and the report's path come from journaled bash steps, so a
// resumed run writes the same report without paying twice.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WorkflowError, workflow, z, type WorkflowEngine } from "../index.ts";
import { clip, pickAgents, shq } from "./common.ts";

/** Diffs longer than this go to reviewers cut, with the command to read the rest. */
const MAX_DIFF = 150_000;

interface Review { agent: string; handle?: string; text?: string; error?: string }

export default workflow("review-branch", async (engine, args) => {
  const reviewers = pickAgents(engine, args.reviewers, "reviewers");
  const facts = await gitFacts(engine, args.base);
  const range = `${args.base}...HEAD`;
  const diff = await engine.bash(`git --no-pager diff --no-color --no-ext-diff ${shq(range)}`);
  if (diff.exitCode !== 0) throw new WorkflowError(`review-branch: git diff ${range} failed: ${diff.stderr.trim()}`);
  if (diff.stdout.trim() === "") {
    const message = `no changes between ${args.base} and ${facts.branch} (git diff ${range} is empty): nothing to review`;
    engine.log(message);
    return { report: null, empty: true, message };
  }
  const stat = (await engine.bash(`git --no-pager diff --stat --no-color ${shq(range)}`)).stdout.trimEnd();
  const prompt = reviewPrompt(args.base, facts.branch, stat, diff.stdout, args.focus);
  engine.log(`review-branch: ${reviewers.length} reviewer${reviewers.length === 1 ? "" : "s"} (${reviewers.join(", ")}) on ${range}`);
  const reviews = await engine.parallel(reviewers.map((agent) => async (): Promise<Review> => {
    let handle: string | undefined;
    try {
      handle = await engine.spawn(agent);
      return { agent, handle, text: await engine.send(handle, prompt) };
    } catch (err) {
      if (engine.signal.aborted) throw err;
      // One reviewer failing must not lose the others' reviews: the report says what happened to it.
      engine.log(`review-branch: reviewer ${agent} failed: ${(err as Error).message}`);
      return { agent, ...(handle ? { handle } : {}), error: (err as Error).message };
    }
  }));
  if (reviews.every((r) => r.error !== undefined)) {
    throw new WorkflowError(`review-branch: every reviewer failed: ${reviews.map((r) => `${r.agent}: ${r.error}`).join("; ")}`);
  }
  const report = await freePath(engine, facts.root, join("docs", "reviews", `${facts.date}-${facts.branch.replace(/[^A-Za-z0-9._-]+/g, "-")}`));
  mkdirSync(join(facts.root, "docs", "reviews"), { recursive: true });
  writeFileSync(join(facts.root, report), renderReport(args.base, facts, stat, reviews));
  engine.log(`review-branch: report written to ${report}`);
  return { report, empty: false, base: args.base, branch: facts.branch, head: facts.head, reviewers: reviews.map(({ agent, handle, error }) => ({ agent, handle, ...(error ? { error } : {}) })) };
}, {
  description: "Review the branch's changes against a base with one or more agents in parallel; writes a report",
  args: z.object({
    base: z.string().min(1).default("main").describe("The branch (or commit) to compare with: git diff <base>...HEAD"),
    reviewers: z.string().optional().describe("Agent profiles, comma-separated, one session each (default: the config's defaultAgent)"),
    focus: z.string().optional().describe("Extra instructions for the reviewers, e.g. \"security and error handling\""),
  }),
  usage: `Computes git diff <base>...HEAD in the project root (the changes of the current branch since it left <base>).
When it is empty the run says so and writes nothing. Otherwise every reviewer (an agent profile; the same name twice
gives two sessions) gets the diff and its stat in one prompt, all in parallel, and is asked for a summary, findings
with file and line, and a verdict. Their replies go, one section each, into docs/reviews/<date>-<branch>.md (an
earlier review of that day is kept: the next is <date>-<branch>-2.md, …), whose path the run returns. A reviewer that fails is noted in the report; the run fails only if all of them do. Reviewers
work in the project checkout: give them a read-only permission in .aegis.ts.`,
  // A session and a turn per reviewer (none when the diff is empty).
  plan: (a) => {
    const n = (a.reviewers ?? "").split(",").filter((r) => r.trim()).length || 1;
    return { agents: n, turns: n };
  },
  examples: [
    "aegis run review-branch",
    "aegis run review-branch --base develop --reviewers claude,gemini",
    'aegis run review-branch --reviewers reviewer,reviewer --focus "concurrency bugs"',
  ],
});

interface Facts { root: string; branch: string; date: string; head: string }

/**
 * `<stem>.md`, or `<stem>-2.md`, `-3`, … when a report of the same day and branch exists: a second review keeps the
 * first. Chosen in a journaled step, so a resumed run writes the file it chose, not the next free one.
 */
async function freePath(engine: WorkflowEngine, root: string, stem: string): Promise<string> {
  const r = await engine.bash(`p=${shq(stem)}.md; i=1; while [ -e "$p" ]; do i=$((i+1)); p=${shq(stem)}-$i.md; done; printf %s "$p"`, { cwd: root });
  return r.stdout;
}

/** The project root, the current branch, today's date (UTC) and HEAD, as one journaled step; the base must exist. */
async function gitFacts(engine: WorkflowEngine, base: string): Promise<Facts> {
  const r = await engine.bash(`pwd -P && git rev-parse --abbrev-ref HEAD && date -u +%F && git rev-parse --short HEAD && git rev-parse --verify --quiet ${shq(`${base}^{commit}`)}`);
  const [root, branch, date, head, baseCommit] = r.stdout.split("\n").map((s) => s.trim());
  if (r.exitCode !== 0 || !baseCommit) {
    const notGit = !branch || /not a git repository/i.test(r.stderr);
    throw new WorkflowError(notGit
      ? `review-branch: the project root is not a git repository with a commit (${r.stderr.trim() || "git rev-parse failed"})`
      : `review-branch: the base "${base}" is no branch, tag or commit of this repository`, {
      code: "E_USAGE", hint: notGit ? "run it inside a git checkout" : "pass --base <branch>, e.g. --base master or --base origin/main",
    });
  }
  return { root: root!, branch: branch!, date: date!, head: head! };
}

function reviewPrompt(base: string, branch: string, stat: string, diff: string, focus?: string): string {
  return [
    `Review the changes of branch "${branch}" against "${base}" (git diff ${base}...HEAD), shown below. Do not change any file.`,
    "Reply in Markdown: a short summary of what the change does; then findings, each with file and line, severity",
    "(blocker, major, minor, nit), what is wrong and a suggested fix; then a one-line verdict (approve or request changes).",
    ...(focus ? [`Pay particular attention to: ${focus}`] : []),
    "", "Files changed:", "```", stat, "```", "", "Diff:", "```diff",
    clip(diff.trimEnd(), MAX_DIFF) + (diff.length > MAX_DIFF ? `\n(read the rest with: git diff ${base}...HEAD -- <path>)` : ""), "```",
  ].join("\n");
}

function renderReport(base: string, f: Facts, stat: string, reviews: Review[]): string {
  const head = [
    `# Review of ${f.branch} against ${base}`, "",
    `- Date: ${f.date}`, `- Head: ${f.head}`, `- Range: \`git diff ${base}...HEAD\``,
    `- Reviewers: ${reviews.map((r) => `${r.agent}${r.handle ? ` (${r.handle})` : ""}`).join(", ")}`, "",
    "## Files changed", "", "```", stat, "```", "",
  ];
  const sections = reviews.map((r, i) => [
    `## Review ${i + 1}: ${r.agent}${r.handle ? ` (${r.handle})` : ""}`, "",
    r.error !== undefined ? `_This reviewer failed: ${r.error}_` : (r.text ?? "").trim() || "_(empty reply)_", "",
  ].join("\n"));
  return `${head.join("\n")}\n${sections.join("\n")}`.trimEnd() + "\n";
}
