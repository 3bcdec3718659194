// Where the fake ACP agent lives, and the environment that points it at a test's state dir and turn log.

import { join } from "node:path";
import type { ProviderContext } from "../conformance.ts";

export const FAKE_ACP = join(import.meta.dir, "../../fixtures/bin/fake-acp");

export const fakeEnv = (ctx: Pick<ProviderContext, "stateDir" | "logFile">) => ({ FAKE_ACP_STATE_DIR: ctx.stateDir, FAKE_CLI_LOG: ctx.logFile });
