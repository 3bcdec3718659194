// THE provider table: every provider aegis drives, described once (see provider-spec.ts). The config schema and
// validation, the flat `harness:` shape, the driver registry, `aegis doctor`, `aegis init`, `aegis config show|schema`
// and the conformance suite (test/drivers/conformance-all.test.ts) all read it. Adding a provider: a folder
// src/drivers/<name>/ with provider.ts exporting its class and spec, one import and one entry below, and its class
// in the `Provider` union (tsc fails until the union and the table agree). Nothing here loads a driver.

import { acpAgentProvider, type ACPAgent } from "./acp-agent/provider.ts";
import { claudeCodeProvider, type ClaudeCode } from "./claude/provider.ts";
import { codexProvider, type Codex } from "./codex/provider.ts";
import { geminiProvider, type GeminiCLI } from "./gemini/provider.ts";
import { openCodeProvider, type OpenCode } from "./opencode/provider.ts";
import type { ProviderSpec } from "./provider-spec.ts";
import { scriptedProvider, type Scripted } from "./scripted/provider.ts";

/** Every provider, in the order doctor, init and error messages list them. */
export const PROVIDERS = [
  claudeCodeProvider,
  geminiProvider,
  openCodeProvider,
  acpAgentProvider,
  codexProvider,
  scriptedProvider,
] as const;

/** A provider object: what `agent.provider` holds after validation. */
export type Provider = ClaudeCode | GeminiCLI | OpenCode | ACPAgent | Codex | Scripted;

/** A provider's name (`provider.name`, the flat shape's `harness`). */
export type ProviderName = Provider["name"];

// The union above and the table must list the same providers: each side must be assignable to the other.
type TableProvider = (typeof PROVIDERS)[number] extends infer S ? (S extends ProviderSpec<infer P> ? P : never) : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type UnionMatchesTable = Assert<Same<Provider, TableProvider>>;
type Assert<T extends true> = T;

/** The entry named `name` (or one of its aliases), or undefined. */
export function findProvider(name: string): ProviderSpec<Provider> | undefined {
  return (PROVIDERS as readonly ProviderSpec<Provider>[]).find((p) => p.name === name || p.aliases?.includes(name));
}

/** All entries, typed for iteration. */
export function providerSpecs(): readonly ProviderSpec<Provider>[] {
  return PROVIDERS as readonly ProviderSpec<Provider>[];
}

/** Names and aliases accepted for `harness:` (providers with a flat shape only). */
export function harnessNames(): string[] {
  return providerSpecs().filter((p) => p.flat).flatMap((p) => [p.name, ...(p.aliases ?? [])]);
}

/** The `harness:` values for a message: "claude-code, gemini, opencode (aliases: claude)". */
export function describeHarnesses(): string {
  const flat = providerSpecs().filter((p) => p.flat);
  const aliases = flat.flatMap((p) => p.aliases ?? []);
  return `${flat.map((p) => p.name).join(", ")}${aliases.length ? ` (aliases: ${aliases.join(", ")})` : ""}`;
}
