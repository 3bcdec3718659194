// Isolation for the real Codex CLI in the live tests: a private CODEX_HOME whose config.toml points Codex at the mock
// LLM's Responses API (model provider "mock", key in MOCK_API_KEY), a model catalog with one entry named `mock-model`
// (taken from the binary's own bundled catalog, so Codex offers MCP tools inline and apply_patch, and warns about no
// unknown model), plugins off (their sync would reach github.com), and a TMPDIR outside CODEX_HOME (Codex refuses to
// put its helper binaries under the temp dir, which breaks the sandbox's apply_patch; shared/reference/codex.md).
// The test owns this CODEX_HOME: aegis itself never writes a Codex config. It never starts an app-server.

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MockLlm } from "./mock-llm.ts";

export const CODEX_MOCK_MODEL = "mock-model";
/** The bundled model whose metadata `mock-model` borrows. */
const TEMPLATE_SLUG = "gpt-5.5";

/** Writes `<root>/codex-home/{config.toml,catalog.json}` and `<root>/tmp`; returns the variables Codex needs. */
export async function prepareCodexHome(root: string, mock: MockLlm, codexBin: string): Promise<Record<string, string>> {
  const home = join(root, "codex-home");
  const tmp = join(root, "tmp");
  await mkdir(home, { recursive: true });
  await mkdir(tmp, { recursive: true });
  const catalog = join(home, "catalog.json");
  await writeFile(catalog, JSON.stringify({ models: [await mockModelEntry(codexBin, home)] }));
  const toml = [
    `model = "${CODEX_MOCK_MODEL}"`,
    'model_provider = "mock"',
    `model_catalog_json = ${JSON.stringify(catalog)}`,
    "",
    "[model_providers.mock]",
    'name = "Mock LLM"',
    `base_url = "${mock.url}/v1"`,
    'wire_api = "responses"',
    'env_key = "MOCK_API_KEY"',
    // A scripted 5xx would be retried 5 times over ~6 s; the live tests ask for a 400, which fails at once anyway.
    "request_max_retries = 0",
    "stream_max_retries = 0",
    "",
    "[features]",
    "plugins = false",
    "",
  ].join("\n");
  await writeFile(join(home, "config.toml"), toml);
  return { CODEX_HOME: home, MOCK_API_KEY: "mock-openai-key", TMPDIR: tmp };
}

/** One catalog entry: the bundled `gpt-5.5` renamed, with the deferred-tools search off (MCP tools stay inline). */
async function mockModelEntry(codexBin: string, home: string): Promise<Record<string, unknown>> {
  const proc = Bun.spawn([codexBin, "debug", "models", "--bundled"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CODEX_HOME: home },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`codex debug models --bundled exited ${code}: ${err}`);
  const models = (JSON.parse(out) as { models: Array<Record<string, unknown>> }).models;
  const template = models.find((m) => m.slug === TEMPLATE_SLUG) ?? models[0];
  if (!template) throw new Error("codex debug models --bundled listed no model");
  return { ...template, slug: CODEX_MOCK_MODEL, display_name: "Mock Model", supports_search_tool: false };
}
