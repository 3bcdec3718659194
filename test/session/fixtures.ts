// Test fixtures for sessions and queues: an in-memory store, a LoadedConfig built from Scripted agents (no file, no
// account), and a gate that holds a Scripted turn open until the test releases it.

import { Scripted, type ScriptedOptions } from "../../src/config/providers.ts";
import { validateConfig, type LoadedConfig } from "../../src/config/validate.ts";
import { SessionManager, type SessionManagerOptions } from "../../src/session/manager.ts";
import { openStore, type Store } from "../../src/store/store.ts";

export type AgentSpec = ScriptedOptions | { provider: unknown; prompt?: string };

/** A validated config: `agents` maps names to Scripted options (or full agent objects); queues as in .aegis.ts. */
export function testConfig(agents: Record<string, AgentSpec>, queues: Record<string, unknown> = {}, root = "/tmp/aegis-test-root"): LoadedConfig {
  const raw = {
    agents: Object.fromEntries(Object.entries(agents).map(([k, v]) => [k, "reply" in v ? { provider: new Scripted(v) } : v])),
    queues,
  };
  return validateConfig(raw, `${root}/.aegis.ts`, root);
}

export function memoryStore(): Store {
  return openStore(":memory:");
}

export function manager(config: LoadedConfig, extra: Partial<SessionManagerOptions> = {}): SessionManager {
  return new SessionManager({ config, store: extra.store ?? memoryStore(), cwd: "/tmp", ...extra });
}

/** A latch: `wait()` resolves once `open()` is called. */
export function gate(): { wait: () => Promise<void>; open: () => void; readonly opened: boolean } {
  let release!: () => void;
  let opened = false;
  const p = new Promise<void>((r) => (release = r));
  return { wait: () => p, open: () => { opened = true; release(); }, get opened() { return opened; } };
}
