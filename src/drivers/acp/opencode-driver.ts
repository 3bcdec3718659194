// The OpenCode driver: `opencode acp` over ACP. Model and permission travel in OPENCODE_CONFIG_CONTENT, merged over
// any the user gave (provider env, start env or the inherited host's), so the user's own config files are never touched.
// Permission is enforced by top-level `permission` rules, the only ones that reach OpenCode's subagents
// (reference/permissions.md): read denies everything but read/glob/grep/list and aegis's tools; write allows edits
// and denies bash; full allows all; auto asks for bash and edits, answered by aegis's policy. Command line only.

import type { OpenCode, Permission, Provider } from "../../config/providers.ts";
import { inheritedEnv } from "../../proc/env.ts";
import { AegisError, errorCode, errorMessage } from "../../util/errors.ts";
import type { Driver, DriverSession, StartOptions } from "../driver.ts";
import { OPENCODE_CLI } from "../opencode/provider.ts";
import { startAcpSession } from "./acp-session.ts";
import { mergeEnv, resolveBin, type AcpLaunch } from "./launch.ts";
import { AEGIS_MCP_SERVER } from "./permission-policy.ts";

export const OPENCODE_INSTALL = OPENCODE_CLI.install;

/**
 * OpenCode's top-level permission rules per level. The last matching key wins, so `*` comes first. Write denies bash
 * rather than asking: aegis's policy refuses shell commands for write anyway, and an ask raised inside a `task`
 * subagent never reaches the ACP client, which would stall the turn until the idle timeout.
 */
export const OPENCODE_PERMISSIONS: Record<Permission, Record<string, string>> = {
  read: { "*": "deny", read: "allow", glob: "allow", grep: "allow", list: "allow", [`${AEGIS_MCP_SERVER}_*`]: "allow" },
  write: { edit: "allow", bash: "deny" },
  full: { "*": "allow" },
  auto: { bash: "ask", edit: "ask" },
};

/** The config OpenCode runs with: the user's OPENCODE_CONFIG_CONTENT, with aegis's model and permission on top. */
export function openCodeConfig(provider: OpenCode, userContent: string | undefined): Record<string, unknown> {
  let base: Record<string, unknown> = {};
  if (userContent !== undefined && userContent.trim() !== "") {
    try {
      const parsed = JSON.parse(userContent) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
      base = parsed as Record<string, unknown>;
    } catch (err) {
      throw new AegisError("E_CONFIG", `OPENCODE_CONFIG_CONTENT is not a JSON object: ${errorMessage(err)}`, {
        hint: "fix or remove OPENCODE_CONFIG_CONTENT (in the provider's env, or in the environment aegis runs in)",
      });
    }
  }
  // The permission level is aegis's to enforce: the user's own rules are replaced, not merged.
  return { ...base, model: provider.model, permission: OPENCODE_PERMISSIONS[provider.permission] };
}

/** The command line and environment for one OpenCode ACP session. */
export function openCodeLaunch(provider: OpenCode, opts: StartOptions): AcpLaunch {
  const given = mergeEnv(provider.env, opts.env);
  const inheritEnv = provider.inheritEnv ?? "all";
  // The host's value counts only if the provider inherits it: a hardened list that leaves it out means "not mine".
  const userContent = given.OPENCODE_CONFIG_CONTENT ?? inheritedEnv(inheritEnv).OPENCODE_CONFIG_CONTENT;
  const config = openCodeConfig(provider, userContent);
  const bin = resolveBin({ bin: provider.bin, defaultName: OPENCODE_CLI.bin, label: "OpenCode", install: OPENCODE_INSTALL, cwd: opts.cwd, path: given.PATH });
  return {
    label: "OpenCode",
    cmd: [bin, "acp"],
    env: { ...given, OPENCODE_CONFIG_CONTENT: JSON.stringify(config) },
    inheritEnv,
    // It exits within ~60 ms of stdin EOF and cleans up its tool commands that way (measured).
    closeGraceMs: 1000,
  };
}

/** How often a start that met OpenCode's own database locked is tried again, and the first pause (doubled each time). */
export const LOCKED_START_RETRIES = 4;
const LOCKED_START_PAUSE_MS = 250;

/**
 * OpenCode keeps its state in one SQLite file per user (~/.local/share/opencode); several OpenCode processes starting
 * at once (parallel sessions, another aegis) can find it locked, or race on its first-run schema migration, and the
 * one that lost exits ("database is locked", or "Failed query: CREATE TABLE …") before it answers. That start is tried again after a short, growing, jittered pause.
 */
export function isLockedStart(err: unknown): boolean {
  return errorCode(err) === "E_AGENT_EXIT" && /database is locked|Failed query:/i.test(errorMessage(err));
}

export const openCodeDriver: Driver = {
  name: "opencode",
  async start(provider: Provider, opts: StartOptions): Promise<DriverSession> {
    const openCode = provider as OpenCode;
    for (let attempt = 0; ; attempt++) {
      try {
        return await startAcpSession({ launch: openCodeLaunch(openCode, opts), permission: openCode.permission, model: openCode.model, opts });
      } catch (err) {
        if (attempt >= LOCKED_START_RETRIES || !isLockedStart(err)) throw err;
        await Bun.sleep(LOCKED_START_PAUSE_MS * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  },
};
