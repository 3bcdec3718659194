// The error vocabulary of aegis: one base class with a string code, domain errors on top, and the one function that
// turns any error into the text a user reads. Errors are matched by `code`, never by `instanceof`, because user files
// imported at run time may hold a different copy of these classes.

/** Every error code aegis uses, one per kind of failure (test/util/errors.test.ts checks src/ uses no other). */
export const ERROR_CODES = [
  "E_CONFIG",
  "E_USAGE",
  "E_AGENT_EXIT",
  "E_AGENT_MISSING",
  "E_PROTOCOL",
  "E_TIMEOUT",
  "E_CANCELLED",
  "E_BUDGET",
  "E_NOT_FOUND",
  "E_PERMISSION",
  "E_WORKFLOW",
  "E_PREDICATE",
  "E_NONDETERMINISTIC",
  "E_STATE",
  "E_INTERNAL",
  /** A run whose process died mid-run (recorded by the next aegis that finds it; store/runs.ts). */
  "E_CRASHED",
  /** A run that ended its execution to wait (engine.sleep, waitFor, a parked askHuman); it is woken later (#12). */
  "E_PARKED",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AegisError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;
  /** A short hint telling the user how to fix the problem, shown after the message. */
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, opts: { data?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "AegisError";
    this.code = code;
    this.data = opts.data ?? {};
    this.hint = opts.hint;
  }
}

/** One problem found in a configuration file. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `agents.reviewer.provider.effort`; empty for the whole file. */
  path: string;
  message: string;
}

/** An invalid configuration: names the file, the key path, what was found and what is allowed. */
export class ConfigError extends AegisError {
  declare readonly code: "E_CONFIG";
  readonly file?: string;
  readonly path?: string;
  readonly issues: ConfigIssue[];

  constructor(message: string, opts: { file?: string; issues?: ConfigIssue[]; hint?: string; cause?: unknown } = {}) {
    super("E_CONFIG", message, { data: { file: opts.file, issues: opts.issues ?? [] }, hint: opts.hint, cause: opts.cause });
    this.name = "ConfigError";
    this.file = opts.file;
    this.issues = opts.issues ?? [];
    this.path = this.issues[0]?.path;
  }
}

/** A wrong command line: unknown flag, missing argument, bad value. Exit code 2. */
export class UsageError extends AegisError {
  constructor(message: string, hint?: string) {
    super("E_USAGE", message, { hint });
    this.name = "UsageError";
  }
}

export function isAegisError(err: unknown): err is AegisError {
  return typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string" &&
    String((err as { code: string }).code).startsWith("E_");
}

export function errorCode(err: unknown): ErrorCode | undefined {
  return isAegisError(err) ? err.code : undefined;
}

/**
 * Errors that are the user's to fix (bad config, bad flags, an id or name that does not exist, a CLI not installed):
 * exit code 2 and never a stack trace.
 */
export function isUsageLike(err: unknown): boolean {
  const code = errorCode(err);
  return code === "E_CONFIG" || code === "E_USAGE" || code === "E_AGENT_MISSING" || code === "E_NOT_FOUND";
}

/**
 * The one error for a name that does not exist (an agent, a queue, a workflow, a session): E_NOT_FOUND, naming the
 * known ones. `suggestion` is a did-you-mean text (config/validate.ts didYouMean), when the caller has one.
 */
export function notFound(what: string, name: string, known: readonly string[], suggestion = "", hint?: string): AegisError {
  const list = known.length ? known.join(", ") : "none";
  return new AegisError("E_NOT_FOUND", `unknown ${what} "${name}"${suggestion} (known: ${list})`, { data: { [what]: name, known }, hint });
}

/** The text a user reads for any error. Expected errors get their message and hint; unexpected ones their stack. */
export function formatError(err: unknown, opts: { stack?: boolean } = {}): string {
  if (isAegisError(err)) {
    const hint = err.hint ? `\n  hint: ${err.hint}` : "";
    return `${err.message}${hint}`;
  }
  if (err instanceof Error) return opts.stack && err.stack ? err.stack : `${err.name}: ${err.message}`;
  return String(err);
}

/** The bare message of any thrown value (no hint, no stack), for embedding in another message or a log line. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") return (err as { message: string }).message;
  return String(err);
}
