// A spawned CLI inherits the whole environment of the aegis process (src/proc/env.ts), and in the live tests that is
// the test runner's environment: a developer's shell or a CI job may export variables that would send a real CLI
// elsewhere (another base URL, Bedrock/Vertex, a proxy, an OTLP telemetry endpoint, a config file of its own, a
// NODE_OPTIONS preload). `shieldFromHost` blanks every such variable the runner has and the isolation set does not
// already fix, so each live test's own values always win and nothing of the runner's can route traffic.
// It only computes a map; it never reads or prints values (they may be secrets).

/**
 * Families of variables that can change where a CLI sends traffic, what it loads, or which account it uses. Broad on
 * purpose: blanking a harmless one costs nothing, missing a routing one breaks the "loopback only" promise.
 */
export const ROUTING_VARIABLES: readonly RegExp[] = [
  /^(ANTHROPIC|CLAUDE|CLAUDECODE)(_|$)/, // base URLs, tokens, Bedrock/Vertex/Foundry switches, config dirs
  /^(GEMINI|GOOGLE|GCLOUD|CLOUDSDK|CLOUD_ML|VERTEX|CODE_ASSIST)(_|$)/, // Vertex, GCA, system settings paths, sandbox
  /^(OPENCODE|OPENAI|AZURE|AWS|OPENROUTER|GROQ|MISTRAL|XAI|DEEPSEEK|OLLAMA)(_|$)/, // providers OpenCode/Bedrock pick up
  /^CODEX_/, // Codex's home (config, auth) and API key
  /_API_KEY$/, /_BASE_URL$/,
  /^(OTEL|SENTRY|STATSIG|DD)_/, // telemetry exporters
  /^(https?|all|no)_proxy$/i, // proxies (NO_PROXY is set again by the isolation set)
  /^(NODE_OPTIONS|BUN_OPTIONS|NODE_PATH)$/, // code preloaded into a node- or bun-based CLI
  /^XDG_/, // config and data dirs of the real user
];

/** True for a variable name in one of the routing families. */
export function isRoutingVariable(name: string): boolean {
  return ROUTING_VARIABLES.some((re) => re.test(name));
}

/**
 * The isolation set, plus an empty value for every routing variable the host has that the set does not fix.
 * An empty value is what the CLIs treat as unset (they test truthiness); explicit env is the only way to override an
 * inherited variable, since a child inherits the whole environment.
 */
export function shieldFromHost(
  isolation: Record<string, string>,
  host: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const blanks: Record<string, string> = {};
  for (const name of Object.keys(host)) if (isRoutingVariable(name) && !(name in isolation)) blanks[name] = "";
  return { ...blanks, ...isolation };
}
