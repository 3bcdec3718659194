// The Gemini CLI driver: `gemini --acp --model M --approval-mode X` over ACP. Permission maps to the approval mode
// (read → plan, write → auto_edit, full → yolo, auto → default); read also gets a `--policy` file that removes the
// shell, write, replace and exit_plan_mode tools, because plan mode alone can be left with one allowed
// exit_plan_mode (reference/permissions.md). GEMINI_CLI_NO_RELAUNCH keeps it one process that honours signals.
// It builds the command line only; the session logic is acp-session.ts's.
//
// Known CLI bug (0.61.0, measured): session/load within the same UTC minute the session's chat file was created in
// fails with "No previous sessions found for this project." — the loading process opens a new recording under the
// same file name, whose `$set messages` record wipes the history first. A later minute loads fine. The driver then
// throws E_NOT_FOUND (reason "load-failed") and the caller starts a new session.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GeminiCLI, Permission, Provider } from "../../config/providers.ts";
import type { Driver, DriverSession, StartOptions } from "../driver.ts";
import { GEMINI_CLI } from "../gemini/provider.ts";
import { startAcpSession } from "./acp-session.ts";
import { makePrivateTempDir, mergeEnv, removeTempDir, resolveBin, type AcpLaunch } from "./launch.ts";

export const GEMINI_INSTALL = GEMINI_CLI.install;

const APPROVAL_MODES: Record<Permission, string> = { read: "plan", write: "auto_edit", full: "yolo", auto: "default" };

/** Tools a read-only Gemini agent must not even be offered. */
export const READ_DENIED_TOOLS = ["run_shell_command", "write_file", "replace", "exit_plan_mode"] as const;

/** A user-tier policy (it outranks the built-in plan policy) whose deny rule removes the tools from the model's list. */
export function readOnlyPolicyToml(): string {
  return [
    "# Written by aegis for a read-only agent; removed when the session closes.",
    "[[rule]]",
    `toolName = [${READ_DENIED_TOOLS.map((t) => JSON.stringify(t)).join(", ")}]`,
    'decision = "deny"',
    "priority = 999",
    'denyMessage = "This agent has read-only permission in aegis."',
    "",
  ].join("\n");
}

/** The command line and environment for one Gemini ACP session. */
export function geminiLaunch(provider: GeminiCLI, opts: StartOptions): AcpLaunch {
  const env = mergeEnv(provider.env, opts.env, { GEMINI_CLI_NO_RELAUNCH: "true" });
  const bin = resolveBin({ bin: provider.bin, defaultName: GEMINI_CLI.bin, label: "Gemini CLI", install: GEMINI_INSTALL, cwd: opts.cwd, path: env.PATH });
  const cmd = [bin, "--acp", "--model", provider.model, "--approval-mode", APPROVAL_MODES[provider.permission]];
  let tempDir: string | undefined;
  if (provider.permission === "read") {
    tempDir = makePrivateTempDir("gemini");
    try {
      const policy = join(tempDir, "aegis-read-only.toml");
      writeFileSync(policy, readOnlyPolicyToml(), { mode: 0o600 });
      cmd.push("--policy", policy);
    } catch (err) {
      removeTempDir(tempDir);
      throw err;
    }
  }
  return {
    label: "Gemini CLI",
    cmd,
    env,
    inheritEnv: provider.inheritEnv ?? "all",
    // Without MCP servers it exits 0.24–0.33 s after stdin EOF; with one it never does (measured), and SIGTERM ends
    // it cleanly with its shells, so a short wait is enough either way.
    closeGraceMs: 1000,
    // After a session/prompt error its history no longer holds that prompt, primer and replay included (measured).
    dropsFailedPrompt: true,
    ...(tempDir ? { tempDir } : {}),
  };
}

export const geminiDriver: Driver = {
  name: "gemini",
  async start(provider: Provider, opts: StartOptions): Promise<DriverSession> {
    const gemini = provider as GeminiCLI;
    // The session owns the launch's temp folder from here: it removes it at close, or on a failed start.
    return startAcpSession({ launch: geminiLaunch(gemini, opts), permission: gemini.permission, model: gemini.model, opts });
  },
};
