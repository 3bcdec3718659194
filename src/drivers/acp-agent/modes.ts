// Which of a generic ACP agent's own session modes matches an aegis permission level. Agents name their modes
// freely (Qwen Code: plan / default / auto-edit / auto / yolo; GitHub Copilot CLI: URL ids ending #agent / #plan /
// #autopilot; claude-code-acp: default / acceptEdits / plan / dontAsk / bypassPermissions; codex-acp: read-only /
// auto / full-access), so a mode is matched by its id's last segment or its name, normalised to lower-case letters
// and digits, against a short list of known words per level. No match: the mode is left as it is and aegis's policy
// answers the agent's permission requests. Pure: it decides, and sends nothing.

import type { Permission } from "../../config/providers.ts";
import type { SessionMode } from "../acp/wire.ts";

/**
 * Words that name a mode right for each level, best first. Deliberately absent: "auto" (Qwen's LLM classifier, Codex's
 * workspace-write: different meanings), "autopilot" (Copilot's keeps re-prompting the model, not a permission mode),
 * "dontask" (Claude's denies what is not pre-approved: the opposite of "full").
 */
const MODE_WORDS: Record<Permission, readonly string[]> = {
  read: ["plan", "readonly", "read"],
  write: ["autoedit", "acceptedits", "edit", "write"],
  full: ["yolo", "bypasspermissions", "fullaccess", "bypass", "full"],
  auto: ["default", "agent", "ask", "normal"],
};

/** A mode id or name reduced to its comparable word: `https://…/session-modes#plan` → `plan`, `Auto Edit` → `autoedit`. */
export function modeWord(s: string): string {
  const tail = s.slice(Math.max(s.lastIndexOf("#"), s.lastIndexOf("/")) + 1);
  return tail.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Whether the mode lets the agent act without asking (so it must not stay on for a lower level). */
export function isPermissiveMode(mode: SessionMode): boolean {
  return matches(mode, MODE_WORDS.full);
}

/**
 * The mode for `permission` among `available`, or undefined when none fits. For every level but full, an agent that
 * starts in a permissive mode (yolo, bypass) with no fitting mode is moved to its default-like mode, so that its
 * permission requests reach aegis's policy.
 */
export function chooseMode(permission: Permission, available: readonly SessionMode[], currentId: string): SessionMode | undefined {
  const fit = bestMatch(available, MODE_WORDS[permission]);
  if (fit) return fit;
  const current = available.find((m) => m.id === currentId);
  if (permission !== "full" && current && isPermissiveMode(current)) return bestMatch(available, MODE_WORDS.auto);
  return undefined;
}

function bestMatch(available: readonly SessionMode[], words: readonly string[]): SessionMode | undefined {
  for (const word of words) {
    const byId = available.find((m) => modeWord(m.id) === word);
    if (byId) return byId;
    const byName = available.find((m) => m.name && modeWord(m.name) === word);
    if (byName) return byName;
  }
  return undefined;
}

function matches(mode: SessionMode, words: readonly string[]): boolean {
  return words.includes(modeWord(mode.id)) || (mode.name ? words.includes(modeWord(mode.name)) : false);
}
