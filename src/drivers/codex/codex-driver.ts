// The Codex CLI driver: builds the launch (binary lookup, environment) and starts a session over `codex app-server`.
// Protocol and turn handling live in codex-session.ts; this file only connects the provider object to them.

import { AegisError } from "../../util/errors.ts";
import type { Driver, DriverSession, StartOptions } from "../driver.ts";
import type { Provider } from "../providers.ts";
import { startCodexSession } from "./codex-session.ts";
import { codexLaunch } from "./launch.ts";
import type { Codex } from "./provider.ts";

export function startCodex(provider: Codex, opts: StartOptions): Promise<DriverSession> {
  return startCodexSession(provider, opts, codexLaunch(provider, opts));
}

export const codexDriver: Driver = {
  name: "codex",
  async start(provider: Provider, opts: StartOptions): Promise<DriverSession> {
    if (provider.name !== "codex") throw new AegisError("E_INTERNAL", `codex driver got provider ${provider.name}`);
    return startCodex(provider, opts);
  },
};
