// The expected failures of a workflow: WorkflowError (the workflow gave up cleanly, exit 1) and PredicateFailed (a
// shell predicate still failed after its retries). Anything else a workflow throws is a crash, recorded with its stack.
// Errors are matched by `code`, never by `instanceof`: user files may hold another copy of these classes.

import { AegisError, errorCode, type ErrorCode } from "../util/errors.ts";

/** The result of `engine.bash`: the exit code and the captured output of the command. */
export interface BashResult {
  /** The command's exit code; 128 + n when a signal n ended it. */
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * An expected failure inside a workflow: throw it to stop the run cleanly with a message (exit code 1, status
 * `failed`). Any other error a workflow throws is treated as a crash and recorded with its stack trace.
 */
export class WorkflowError extends AegisError {
  constructor(message: string, opts: { code?: ErrorCode; data?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
    super(opts.code ?? "E_WORKFLOW", message, opts);
    this.name = "WorkflowError";
  }
}

/** A shell predicate (`engine.bashPredicate`) that still failed after every retry. */
export class PredicateFailed extends WorkflowError {
  readonly cmd: string;
  readonly result: BashResult;
  readonly attempts: number;

  constructor(cmd: string, result: BashResult, attempts: number, expect: "pass" | "fail" = "pass") {
    const want = expect === "fail" ? "to fail" : "to pass";
    super(`predicate failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: expected \`${cmd}\` ${want} (exit=${result.exitCode})`, {
      code: "E_PREDICATE",
      data: { cmd, exitCode: result.exitCode, attempts, stderrTail: tail(result.stderr), stdoutTail: tail(result.stdout) },
    });
    this.name = "PredicateFailed";
    this.cmd = cmd;
    this.result = result;
    this.attempts = attempts;
  }
}

/** True for the failures a workflow may end with on purpose (exit 1, status `failed`, no stack trace). */
export function isExpectedFailure(err: unknown): boolean {
  const code = errorCode(err);
  return code === "E_WORKFLOW" || code === "E_PREDICATE";
}

function tail(s: string, n = 2000): string {
  return s.length > n ? s.slice(-n) : s;
}
