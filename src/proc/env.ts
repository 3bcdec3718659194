// The environment a spawned CLI receives: an allow-list of the host's variables, host variables with explicitly passed
// prefixes, then explicit keys on top. Nothing else from the host leaks through (no stray tokens, no AEGIS_* state).
// This file only builds the map; it never logs values, since they may hold secrets.

/** Host variables passed by exact name. */
const ALLOWED_NAMES: ReadonlySet<string> = new Set([
  "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR",
  "TMPDIR", "TZ", "HOSTNAME",
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
  "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
]);

/** Host variables passed by prefix (locale, XDG dirs, node runtime options, TLS trust stores). */
const ALLOWED_PREFIXES: readonly string[] = ["LC_", "XDG_", "NODE_", "SSL_CERT_"];

/** The variable that marks every process of one spawned tree, so the sweep can find escapees (see sweep.ts). */
export const TAG_VAR = "AEGIS_PROC_TAG";

/**
 * Builds a child's environment: allow-listed host variables, plus host variables starting with one of
 * `passPrefixes` (e.g. `ANTHROPIC_`), plus `explicit` (which wins over everything).
 */
export function buildChildEnv(
  explicit: Record<string, string> = {},
  passPrefixes: readonly string[] = [],
  host: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(host)) {
    if (value === undefined) continue;
    if (isAllowed(key) || passPrefixes.some((p) => p !== "" && key.startsWith(p))) env[key] = value;
  }
  for (const [key, value] of Object.entries(explicit)) env[key] = value;
  return env;
}

function isAllowed(key: string): boolean {
  return ALLOWED_NAMES.has(key) || ALLOWED_PREFIXES.some((p) => key.startsWith(p));
}
