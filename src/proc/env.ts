// The environment a spawned process receives: the whole environment of the aegis process (agents and their shell tools
// need the user's PATH, tokens, cloud credentials, CI variables…), minus aegis's own internal variables, then explicit
// keys on top. A hardened setup narrows the inherited part to a list of names and globs (`inheritEnv`).
// This file only builds the map; it never logs values, since they may hold secrets.

/** The variable that marks every process of one spawned tree, so the sweep can find escapees (see sweep.ts). */
export const TAG_VAR = "AEGIS_PROC_TAG";

/**
 * Variables aegis sets or reads for its own machinery, never passed on from the host: the process tag (spawn.ts gives
 * every child its own, nested under ours) and the durability tests' failpoint (a nested `aegis` would kill itself).
 * Knobs the user sets for aegis (AEGIS_CONFIG, AEGIS_STATE_DIR, AEGIS_LOG_LEVEL, AEGIS_DEBUG, AEGIS_BUN…) are the
 * user's environment and do pass: an agent that runs `aegis` in its shell should see the same project. MCP secrets
 * never travel in the environment (they go in the CLI's MCP config), so there is nothing of another session to strip.
 */
export const INTERNAL_VARS: ReadonlySet<string> = new Set([TAG_VAR, "AEGIS_FAILPOINT"]);

/** Which host variables a child inherits: `"all"` (the default), or only those matching one of the names/globs. */
export type InheritEnv = "all" | readonly string[];

/** The host variables a child inherits under `inherit`, internal variables removed. */
export function inheritedEnv(
  inherit: InheritEnv = "all",
  host: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const passes = inherit === "all" ? () => true : envMatcher(inherit);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(host)) {
    if (value === undefined || INTERNAL_VARS.has(key)) continue;
    if (passes(key)) env[key] = value;
  }
  return env;
}

/** Builds a child's environment: the inherited host variables (see `inheritedEnv`), then `explicit`, which wins. */
export function buildChildEnv(
  explicit: Record<string, string> = {},
  inherit: InheritEnv = "all",
  host: Record<string, string | undefined> = process.env,
): Record<string, string> {
  return { ...inheritedEnv(inherit, host), ...explicit };
}

/**
 * A predicate for a list of names and globs: `*` matches any run of characters (`ANTHROPIC_*`), `?` one character;
 * everything else matches itself. Case-sensitive, as environment names are on POSIX; on Windows, where they are not
 * (`Path`), case is ignored.
 */
export function envMatcher(patterns: readonly string[], ignoreCase = process.platform === "win32"): (name: string) => boolean {
  const fold = (s: string) => (ignoreCase ? s.toUpperCase() : s);
  const exact = new Set(patterns.filter((p) => !/[*?]/.test(p)).map(fold));
  const globs = patterns.filter((p) => /[*?]/.test(p)).map((g) => globToRegExp(g, ignoreCase));
  return (name) => exact.has(fold(name)) || globs.some((re) => re.test(name));
}

function globToRegExp(glob: string, ignoreCase: boolean): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  return new RegExp(`^${body}$`, ignoreCase ? "i" : "");
}
