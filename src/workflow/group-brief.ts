// The text of a group broadcast (#13): one structured brief (objective, output format, boundaries, tool guidance)
// that every member reads, and the sender tags members read it under (`group:<name>/broadcast:<id>`). Also the
// checks on a group's name and broadcast options. Pure: it must not deliver anything.

import type { BroadcastOptions } from "./engine-types.ts";
import { WorkflowError } from "./errors.ts";

/** Group names: what a sender tag can carry (no whitespace, no `/`, no `·`). */
export const GROUP_NAME = /^[A-Za-z0-9][\w.-]{0,63}$/;

export function checkGroupName(name: unknown): asserts name is string {
  if (typeof name === "string" && GROUP_NAME.test(name)) return;
  throw new WorkflowError(`group: invalid name ${JSON.stringify(name)}: use up to 64 letters, digits and . _ - (starting with a letter or digit)`, {
    code: "E_USAGE",
  });
}

/** The sender tag of a group's broadcast or race number `id`. */
export function groupSender(name: string, what: "broadcast" | "race", id: number): `group:${string}` {
  return `group:${name}/${what}:${id}`;
}

function section(title: string, body: string | string[] | undefined): string {
  if (body === undefined) return "";
  const text = Array.isArray(body) ? body.map((b) => `- ${b}`).join("\n") : body.trim();
  return text ? `## ${title}\n${text}` : "";
}

/** Refuses options that are not strings (or lists of strings for boundaries and tool guidance). */
export function checkBroadcast(objective: unknown, opts: BroadcastOptions): void {
  if (typeof objective !== "string" || objective.trim() === "") {
    throw new WorkflowError("broadcast(objective): the objective must be a non-empty string", { code: "E_USAGE" });
  }
  if (opts.outputFormat !== undefined && typeof opts.outputFormat !== "string") {
    throw new WorkflowError("broadcast: outputFormat must be a string", { code: "E_USAGE" });
  }
  for (const k of ["boundaries", "toolGuidance"] as const) {
    const v = opts[k];
    if (v === undefined || typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"))) continue;
    throw new WorkflowError(`broadcast: ${k} must be a string or a list of strings`, { code: "E_USAGE" });
  }
}

/** The brief every member of group `name` reads (the same text for all). */
export function renderBrief(name: string, members: readonly string[], objective: string, opts: BroadcastOptions = {}): string {
  return [
    section("Objective", objective),
    section("Output format", opts.outputFormat),
    section("Boundaries", opts.boundaries),
    section("Tool guidance", opts.toolGuidance),
    `(Group "${name}": ${members.length} member${members.length === 1 ? "" : "s"} (${members.join(", ")}) got this same brief. ` +
      "Work on it on your own and end your turn with your answer as your final message.)",
  ].filter((s) => s).join("\n\n");
}

/** The options as recorded in the journal: only those given, so adding an option later keeps older digests. */
export function briefInput(opts: BroadcastOptions): BroadcastOptions {
  return {
    ...(opts.outputFormat !== undefined ? { outputFormat: opts.outputFormat } : {}),
    ...(opts.boundaries !== undefined ? { boundaries: opts.boundaries } : {}),
    ...(opts.toolGuidance !== undefined ? { toolGuidance: opts.toolGuidance } : {}),
  };
}
