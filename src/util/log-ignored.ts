// Errors that are deliberately not propagated (a cleanup step failing while something else already failed, a commit at
// exit with nobody left to tell) are still reported at debug level (AEGIS_LOG_LEVEL=debug), never swallowed silently.
// Every use says, in a comment next to it, why the error may be ignored there.

import { logger } from "../ui/log.ts";
import { errorMessage } from "./errors.ts";

/** Logs `err` at debug level with what was being done. */
export function ignoreError(what: string, err: unknown): void {
  logger().debug(`${what}: ${errorMessage(err)} (ignored)`);
}

/** A rejection handler that logs `err` at debug level with what was being done. */
export function logIgnored(what: string): (err: unknown) => void {
  return (err) => ignoreError(what, err);
}
