// The live tests' shield against the runner's environment (host-env.ts): runs without the CLIs installed (#9).
import { expect, test } from "bun:test";
import { isRoutingVariable, shieldFromHost } from "./host-env.ts";

test("routing variables of the runner are blanked unless the isolation set fixes them; the rest is inherited (#9)", () => {
  const host = {
    ANTHROPIC_BASE_URL: "http://192.0.2.1", CLAUDE_CODE_USE_BEDROCK: "1", GOOGLE_GENAI_USE_VERTEXAI: "true",
    OPENCODE_CONFIG: "/x.json", AWS_PROFILE: "prod", GROQ_API_KEY: "k", OTEL_EXPORTER_OTLP_ENDPOINT: "http://x",
    https_proxy: "http://p", NODE_OPTIONS: "--require x", XDG_CONFIG_HOME: "/home/u/.config",
    PATH: "/usr/bin", IS_SANDBOX: "1", AEGIS_TEST_PROBE: "p", GH_TOKEN: "t", UNSET: undefined,
  };
  const env = shieldFromHost({ ANTHROPIC_BASE_URL: "http://127.0.0.1:1", HOME: "/tmp/h" }, host);
  expect(env).toEqual({
    ANTHROPIC_BASE_URL: "http://127.0.0.1:1", HOME: "/tmp/h",
    CLAUDE_CODE_USE_BEDROCK: "", GOOGLE_GENAI_USE_VERTEXAI: "", OPENCODE_CONFIG: "", AWS_PROFILE: "", GROQ_API_KEY: "",
    OTEL_EXPORTER_OTLP_ENDPOINT: "", https_proxy: "", NODE_OPTIONS: "", XDG_CONFIG_HOME: "",
  });
});

test("the families are anchored: look-alike names are not routing variables", () => {
  for (const name of ["CLAUDECODE", "GEMINI_API_KEY", "OPENAI_BASE_URL", "HTTP_PROXY", "no_proxy"]) expect(isRoutingVariable(name)).toBe(true);
  for (const name of ["MY_ANTHROPIC", "CLAUDEX", "PATH", "IS_SANDBOX", "NODE_ENV", "GOOGLEY", "API_KEY_FILE"]) expect(isRoutingVariable(name)).toBe(false);
});
