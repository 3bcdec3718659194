// The `tdd-cycle` workflow of the built-in catalog: red, green, review. An agent writes a failing test for a feature
// (checked with the test command expected to fail), then implements until the command passes (bashPredicate sends it
// each failure's output), then a reviewer session reviews the change. Every step is journaled, so a resumed run picks
// up where it stopped without re-paying finished turns.

import { PredicateFailed, WorkflowError, workflow, z } from "../index.ts";
import { clip, outputOf, pickAgent } from "./common.ts";

/** What the reviewer sees: tracked changes against HEAD plus every untracked file (new tests, new modules). */
const CHANGES = "git --no-pager diff --no-color HEAD; git ls-files --others --exclude-standard -z | xargs -0 -r -n1 git --no-pager diff --no-color --no-index /dev/null";

/** Runs the red or green check; a predicate that never held fails the run naming the step, with a hint. */
async function step<T>(name: "red" | "green", hint: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (!(err instanceof PredicateFailed)) throw err;
    throw new WorkflowError(`tdd-cycle: the ${name} step failed: ${err.message}`, { code: "E_PREDICATE", data: err.data, hint, cause: err });
  }
}

export default workflow("tdd-cycle", async (engine, args) => {
  const agent = pickAgent(engine, args.agent, "agent");
  const reviewer = pickAgent(engine, args.reviewer ?? agent, "reviewer");
  const impl = await engine.spawn(agent);
  await engine.send(impl, [
    `We are adding this feature test-first: ${args.feature}`,
    `Step 1 of 2: write a test for it that FAILS now, because the feature does not exist yet. Do not implement the feature.`,
    `The test command is: ${args.test}`,
    "It must exit non-zero after your change. Reply with the test's file name and what it checks.",
  ].join("\n"));
  const red = await step("red", "the new test never failed: write one that fails before the feature exists, or check that --test runs it", () => engine.bashPredicate(args.test, {
    expect: "fail", target: impl, maxRetries: args.retries,
    retryWith: (r) => `\`${args.test}\` passes (exit 0), but the new test must fail before the feature exists. Write a test that fails now.\n\n${outputOf(r, 4000)}`,
  }));
  engine.log(`tdd-cycle: red — \`${args.test}\` fails (exit ${red.exitCode})`);
  await engine.checkpoint("red", { exit: red.exitCode });
  await engine.send(impl, [
    `Step 2 of 2: implement the feature so that \`${args.test}\` passes. Do not weaken or delete the test.`,
    `Its output now (exit ${red.exitCode}):`, outputOf(red),
  ].join("\n"));
  const green = await step("green", "the tests still fail: see the last output with aegis logs <runId>; raise --retries, or finish it by hand", () => engine.bashPredicate(args.test, {
    target: impl, maxRetries: args.retries,
    retryWith: (r) => `\`${args.test}\` still fails (exit ${r.exitCode}). Fix the implementation, not the test.\n\n${outputOf(r)}`,
  }));
  engine.log(`tdd-cycle: green — \`${args.test}\` passes`);
  await engine.checkpoint("green", { exit: green.exitCode });
  const changes = await engine.bash(CHANGES);
  const rev = await engine.spawn(reviewer);
  const review = await engine.send(rev, [
    `Review this change, made test-first for the feature: ${args.feature}`,
    `The test command \`${args.test}\` failed before the implementation and passes now. Do not change any file.`,
    "Reply in Markdown: findings with file and line (is the test meaningful? is the implementation right and minimal?),",
    "then a one-line verdict.", "", "```diff", clip(changes.stdout.trimEnd(), 120_000), "```",
  ].join("\n"));
  return { feature: args.feature, test: args.test, red: red.exitCode, green: green.exitCode, review };
}, {
  description: "Test-first: a failing test, then the implementation until the tests pass, then a review",
  args: z.object({
    feature: z.string().min(1).describe("The feature to build, in a sentence"),
    test: z.string().min(1).describe("The shell command that runs the tests, e.g. \"bun test test/rate.test.ts\""),
    agent: z.string().optional().describe("The agent that writes the test and the code (default: the config's defaultAgent)"),
    reviewer: z.string().optional().describe("The agent that reviews the result (default: --agent)"),
    retries: z.number().int().min(0).default(3).describe("Feedback rounds allowed at each of the red and green steps"),
  }),
  usage: `Red: the agent writes a test for the feature; the test command must then FAIL (exit non-zero). If it passes, the
agent is told so and tries again (up to --retries times). Green: the agent implements the feature; the test command
runs until it passes, each failure's output going back to the agent (up to --retries more rounds; then the run fails
with the last output). Review: a fresh session of --reviewer reads the change (git diff HEAD plus new files) and
replies with findings and a verdict, which the run returns. The agent works in the project checkout; the test command
runs in the project root.`,
  // The implementer and the reviewer; red and green each a turn plus up to --retries feedback turns, then the review.
  plan: (a) => ({ agents: 2, turns: 3 + 2 * a.retries }),
  examples: [
    'aegis run tdd-cycle --feature "rate limiting of /login, 5 tries a minute" --test "bun test test/rate.test.ts"',
    'aegis run tdd-cycle --feature "parse ISO durations" --test "npm test" --agent impl --reviewer reviewer --retries 5',
  ],
});
