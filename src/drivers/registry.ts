// Maps a provider to its driver through the provider table. Each entry imports its driver lazily, so that
// `aegis --version` loads none of them.

import { AegisError } from "../util/errors.ts";
import type { Driver, DriverSession, StartOptions } from "./driver.ts";
import { findProvider, providerSpecs, type Provider } from "./providers.ts";

export async function getDriver(name: Provider["name"]): Promise<Driver> {
  const spec = findProvider(name);
  if (!spec) throw new AegisError("E_CONFIG", `unknown provider "${name}"; known: ${providerSpecs().map((p) => p.name).join(", ")}`);
  return spec.driver();
}

/** Starts a session of the provider's CLI (or the in-process Scripted agent). */
export async function startAgent(provider: Provider, opts: StartOptions): Promise<DriverSession> {
  const driver = await getDriver(provider.name);
  return driver.start(provider, opts);
}
