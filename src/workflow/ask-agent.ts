// askHuman for a run an agent started (aegis_run_workflow): the question goes to that agent's inbox as a message
// headed `> from workflow:<name> · <time>`, and the final assistant text of the turn it starts is the answer. A reply
// that is not one of the options is asked once more, naming the options; a second miss fails the step with
// E_WORKFLOW (the run fails and can be resumed with `--answer`). It must not journal: the engine records the answer.

import type { SessionManager } from "../session/manager.ts";
import type { SenderTag } from "../session/sender.ts";
import { logger } from "../ui/log.ts";
import { AegisError, isAegisError, errorMessage } from "../util/errors.ts";
import { matchOption, type AskRequest, type AskRoute } from "./ask.ts";
import { WorkflowError } from "./errors.ts";

export interface AskAgentTarget {
  sessions: Pick<SessionManager, "send">;
  /** The session that started the run. */
  handle: string;
  workflow: string;
  runId: string;
}

/** How many times a question is put to the agent before a reply outside the options fails the step. */
const ATTEMPTS = 2;

/** The route: asks the agent, re-asks once when its reply misses the options, then fails naming what it said. */
export function askAgent(t: AskAgentTarget): AskRoute {
  return async (req, signal) => {
    let last = "";
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (signal.aborted) return undefined;
      const reply = await untilAborted(sendQuestion(t, req, attempt === 1 ? undefined : last), signal);
      if (reply === undefined) return undefined; // the run was stopped while the agent was asked
      const answer = agentAnswer(req.options, reply);
      if (answer !== undefined) return answer;
      last = reply;
    }
    const wanted = req.options?.length ? `one of: ${req.options.join(", ")}` : "a non-empty answer";
    throw new WorkflowError(
      `the workflow asked ${t.handle} "${req.question}" ${ATTEMPTS} times and its reply "${clip(last)}" is not ${wanted}`,
      {
        data: { key: req.key, question: req.question, options: req.options, reply: last, handle: t.handle },
        hint: `resume with the answer given: aegis resume ${t.runId} --answer ${req.key}=${req.options?.length ? req.options.join("|") : "<value>"}`,
      },
    );
  };
}

/** The text the agent reads. The header comes from the sender tag; the body says that the reply is the answer. */
export function questionText(t: Pick<AskAgentTarget, "workflow" | "runId">, req: AskRequest, rejected?: string): string {
  const lines: string[] = [];
  if (rejected !== undefined) lines.push(`Your reply "${clip(rejected)}" is not an answer the workflow accepts.`);
  lines.push(`The workflow ${t.workflow} (run ${t.runId}) asks: ${req.question}`);
  lines.push(req.options?.length
    ? `Reply with exactly one of: ${req.options.join(", ")}. Your reply is the answer.`
    : "Your reply is the answer.");
  return lines.join("\n");
}

/**
 * An agent's reply as an answer: trimmed, with the quoting or emphasis models like to add (`**casual**`, "casual.")
 * taken off, then matched like a typed answer (an option in any case, or its number). Undefined if it does not fit.
 */
export function agentAnswer(options: readonly string[] | undefined, reply: string): string | undefined {
  const bare = reply.trim().replace(/^[\s*_`"'“”‘’]+|[\s*_`"'“”‘’.!]+$/g, "");
  if (!options?.length) return reply.trim() === "" ? undefined : reply.trim();
  return matchOption(options, bare) ?? matchOption(options, reply);
}

async function sendQuestion(t: AskAgentTarget, req: AskRequest, rejected: string | undefined): Promise<string> {
  const from: SenderTag = `workflow:${t.workflow}`;
  try {
    return await t.sessions.send(t.handle, questionText(t, req, rejected), from);
  } catch (err) {
    const why = errorMessage(err);
    const gone = isAegisError(err) && (err.code === "E_NOT_FOUND" || err.code === "E_CANCELLED");
    throw new AegisError(isAegisError(err) ? err.code : "E_WORKFLOW", gone
      ? `the workflow asks "${req.question}" but ${t.handle}, the agent that started the run, is gone (${why})`
      : `asking ${t.handle} "${req.question}" failed: ${why}`, {
      cause: err,
      data: { key: req.key, handle: t.handle },
      hint: `resume with the answer given: aegis resume ${t.runId} --answer ${req.key}=${req.options?.length ? req.options.join("|") : "<value>"}`,
    });
  }
}

/** Resolves with `p`, or with undefined as soon as `signal` aborts (the question stays in the agent's inbox). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => {
      resolve(undefined);
      // The run is stopped: a later failure of the question (the agent closed) has no one left to tell.
      p.catch((err: unknown) => logger().debug(`askHuman after the run stopped: ${errorMessage(err)}`));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (err: unknown) => (signal.removeEventListener("abort", onAbort), reject(err)),
    );
  });
}

function clip(s: string, max = 120): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
