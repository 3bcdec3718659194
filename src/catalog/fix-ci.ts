// The `fix-ci` workflow of the built-in catalog: run a command (a CI script, the tests, a linter); while it fails,
// hand its output to an agent to fix the cause, up to --rounds rounds; the run fails if the command still fails after
// the last one. One agent session keeps its memory across rounds. Every command run and turn is a journaled step.

import { WorkflowError, workflow, z, type BashResult, type WorkflowEngine } from "../index.ts";
import { outputOf, pickAgent } from "./common.ts";

export default workflow("fix-ci", async (engine, args) => {
  const agent = pickAgent(engine, args.agent, "agent");
  let handle: string | undefined;
  for (let round = 0; ; round++) {
    const r = await runCommand(engine, args.command, args.commandTimeout);
    if (r.exitCode === 0) {
      engine.log(round === 0 ? `fix-ci: \`${args.command}\` passes; nothing to fix` : `fix-ci: \`${args.command}\` passes after ${round} round${round === 1 ? "" : "s"}`);
      return { passed: true, rounds: round, command: args.command, ...(handle ? { agent, handle } : {}) };
    }
    if (round === args.rounds) {
      throw new WorkflowError(`fix-ci: \`${args.command}\` still fails (exit ${r.exitCode}) after ${args.rounds} round${args.rounds === 1 ? "" : "s"} of fixes`, {
        data: { command: args.command, exitCode: r.exitCode, rounds: args.rounds, stdoutTail: r.stdout.slice(-2000), stderrTail: r.stderr.slice(-2000) },
        hint: "see the last output with aegis logs <runId>; raise --rounds, or fix it by hand and run fix-ci again",
      });
    }
    engine.log(`fix-ci: \`${args.command}\` fails (exit ${r.exitCode}); round ${round + 1} of ${args.rounds}`);
    handle ??= await engine.spawn(agent);
    await engine.send(handle, [
      round === 0
        ? `The command \`${args.command}\` fails (exit ${r.exitCode}). Find the cause and fix it in the code.`
        : `After your fix, \`${args.command}\` still fails (exit ${r.exitCode}). Look again and fix it.`,
      "Do not disable, skip or delete checks or tests to make it pass. Reply with what you changed and why.",
      ...(args.hint ? [`Hint from the user: ${args.hint}`] : []),
      "", outputOf(r),
    ].join("\n"));
    await engine.checkpoint(`round-${round + 1}`, { exit: r.exitCode });
  }
}, {
  description: "Run a command; while it fails, an agent fixes the cause from its output, up to N rounds",
  args: z.object({
    command: z.string().min(1).describe("The shell command that must pass, e.g. \"bun test\" or \"npm run ci\""),
    agent: z.string().optional().describe("The agent that fixes failures (default: the config's defaultAgent)"),
    rounds: z.number().int().min(0).default(3).describe("Fix rounds at most; the command runs once more after each"),
    // Not `timeout`: `aegis run --timeout` is the whole run's limit.
    commandTimeout: z.number().positive().optional().describe("Seconds each run of the command may take (default: no limit)"),
    hint: z.string().optional().describe("Extra guidance passed to the agent with every failure"),
  }),
  usage: `Runs the command in the project root (a run longer than --command-timeout counts as a failure, exit 124).
Exit 0: done (no agent is started). Otherwise one session of the agent
gets the exit code and the tail of stdout and stderr and is asked to fix the cause (not to silence the check); then the
command runs again. After --rounds failed rounds the run fails (exit 1) with the last output in the error. Returns
{ passed, rounds, command }. The agent works in the project checkout.`,
  // One session, spawned at the first failure; a turn per failed round.
  plan: (a) => ({ agents: Math.min(1, a.rounds), turns: a.rounds }),
  examples: [
    'aegis run fix-ci --command "bun test"',
    'aegis run fix-ci --command "npm run lint && npm test" --rounds 5 --agent impl --command-timeout 600',
  ],
});

/** One run of the command; one that outlives its timeout is a failure to hand to the agent (exit 124, as timeout(1)). */
async function runCommand(engine: WorkflowEngine, command: string, seconds: number | undefined): Promise<BashResult> {
  if (seconds === undefined) return engine.bash(command);
  try {
    return await engine.bash(command, { timeout: seconds * 1000 });
  } catch (err) {
    const data = (err as { data?: { timeoutMs?: number; stdoutTail?: string; stderrTail?: string } }).data;
    if (engine.signal.aborted || data?.timeoutMs === undefined) throw err;
    return { exitCode: 124, stdout: data.stdoutTail ?? "", stderr: `${data.stderrTail ?? ""}\n(killed: it ran longer than ${seconds} s)` };
  }
}
