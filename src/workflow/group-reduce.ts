// The reducers of a group's gather (#13): "concat", "joinByHandle", "majorityVote" (normalised answers, ties reported)
// or the workflow's own function, and the check that names the allowed reducers. Pure: no session, no journal; the
// engine and the MCP plane both call these on replies they collected.

import type { GroupReducer, MajorityVote } from "./engine-types.ts";
import { WorkflowError } from "./errors.ts";

/** The reducers a gather accepts by name. */
export const REDUCER_NAMES = ["concat", "joinByHandle", "majorityVote"] as const;
export type ReducerName = (typeof REDUCER_NAMES)[number];

/** Refuses anything but a reducer name or a function, naming the allowed values. */
export function checkReducer(r: unknown): asserts r is GroupReducer | undefined {
  if (r === undefined || typeof r === "function" || REDUCER_NAMES.includes(r as ReducerName)) return;
  throw new WorkflowError(`gather: unknown reducer ${JSON.stringify(r)}: use one of ${REDUCER_NAMES.join(", ")}, or a function (byMember, order) => value`, {
    code: "E_USAGE", data: { reducer: String(r), allowed: [...REDUCER_NAMES] },
  });
}

/**
 * An answer as majorityVote compares it: trimmed, lower case, inner whitespace collapsed, wrapping quotes, backticks
 * or bold markers removed, trailing punctuation removed. "Yes." and " yes" are the same vote; "yes, but" is not.
 */
export function normaliseAnswer(text: string): string {
  let s = text.trim().toLowerCase().replace(/\s+/g, " ");
  for (let before = ""; before !== s;) {
    before = s;
    s = s.replace(/[.!?,;:…]+$/u, "").trim();
    const m = /^(\*\*|__|["'`“‘])(.*)(\*\*|__|["'`”’])$/su.exec(s);
    if (m && m[2] !== undefined) s = m[2].trim();
  }
  return s;
}

/** Counts the normalised answers; the winner needs strictly more votes than any other answer. */
export function majorityVote(byMember: Record<string, string>, order: readonly string[]): MajorityVote {
  const votes: Record<string, number> = {};
  for (const h of order) {
    const reply = byMember[h];
    if (reply === undefined) continue;
    const a = normaliseAnswer(reply);
    if (a === "") continue; // an empty reply abstains
    votes[a] = (votes[a] ?? 0) + 1;
  }
  const top = Math.max(0, ...Object.values(votes));
  const leaders = Object.keys(votes).filter((a) => votes[a] === top);
  if (leaders.length === 1) return { winner: leaders[0]!, tie: [], votes };
  return { winner: null, tie: top === 0 ? [] : leaders, votes };
}

/** Combines the replies with the reducer (default "concat"); `order` is the members that replied, in member order. */
export async function reduceReplies(reducer: GroupReducer | undefined, byMember: Record<string, string>, order: readonly string[]): Promise<unknown> {
  const r = reducer ?? "concat";
  if (typeof r === "function") return r({ ...byMember }, [...order]);
  switch (r) {
    case "concat":
      return order.map((h) => byMember[h]!).join("\n\n");
    case "joinByHandle":
      return order.map((h) => `### ${h}\n${byMember[h]!}`).join("\n\n");
    case "majorityVote":
      return majorityVote(byMember, order);
  }
  checkReducer(r);
  return undefined;
}
