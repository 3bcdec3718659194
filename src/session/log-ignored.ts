// Errors that are deliberately not propagated (a cleanup step failing while something else already failed) are
// still reported at debug level, never swallowed silently.

import { logger } from "../ui/log.ts";

/** A rejection handler that logs `err` at debug level with what was being done. */
export function logIgnored(what: string): (err: unknown) => void {
  return (err) => logger().debug(`${what}: ${(err as Error)?.message ?? String(err)} (ignored)`);
}
