// Maps a provider to its driver. Drivers are imported lazily so that `aegis --version` loads none of them.

import type { Provider } from "../config/providers.ts";
import { AegisError } from "../util/errors.ts";
import type { Driver, DriverSession, StartOptions } from "./driver.ts";

const loaders: Record<Provider["name"], () => Promise<Driver>> = {
  "claude-code": async () => (await import("./claude/claude-driver.ts")).claudeDriver,
  gemini: async () => (await import("./acp/gemini-driver.ts")).geminiDriver,
  opencode: async () => (await import("./acp/opencode-driver.ts")).openCodeDriver,
  scripted: async () => (await import("./scripted/scripted-driver.ts")).scriptedDriver,
};

export async function getDriver(name: Provider["name"]): Promise<Driver> {
  const load = loaders[name];
  if (!load) throw new AegisError("E_CONFIG", `unknown provider "${name}"; known: ${Object.keys(loaders).join(", ")}`);
  return load();
}

/** Starts a session of the provider's CLI (or the in-process Scripted agent). */
export async function startAgent(provider: Provider, opts: StartOptions): Promise<DriverSession> {
  const driver = await getDriver(provider.name);
  return driver.start(provider, opts);
}
