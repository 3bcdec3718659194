// Reads a plan for the `execute-plan` workflow: Markdown whose `## Slice N — title` headings (an em dash, en dash,
// hyphen or colon after the number) start the slices; each slice's body runs to the next heading of level 1 or 2.
// The text before the first slice is the plan's context, given to every slice. Pure text in, slices out.

import { WorkflowError } from "../index.ts";

export interface Slice {
  /** The number in the heading. */
  n: number;
  title: string;
  /** The slice's text, heading excluded. */
  body: string;
}

export interface Plan {
  /** The text before the first slice (title, goals, conventions), trimmed. */
  context: string;
  /** Sorted by number. */
  slices: Slice[];
}

const SLICE = /^##\s+Slice\s+(\d+)\s*(?:—|–|-|:)\s*(.+?)\s*#*\s*$/i;
const HEADING = /^#{1,2}\s/;

/** The slices of a plan file's text; `file` only names it in errors. */
export function parsePlan(text: string, file: string): Plan {
  const lines = text.split(/\r?\n/);
  const slices: Slice[] = [];
  const context: string[] = [];
  let current: { n: number; title: string; body: string[] } | undefined;
  let fence = false;
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const m = fence ? null : SLICE.exec(line);
    if (m) {
      if (current) slices.push(done(current));
      current = { n: Number(m[1]), title: m[2]!, body: [] };
      continue;
    }
    if (!fence && current && HEADING.test(line)) {
      slices.push(done(current));
      current = undefined;
    }
    if (current) current.body.push(line);
    else if (slices.length === 0) context.push(line);
  }
  if (current) slices.push(done(current));
  if (slices.length === 0) {
    throw new WorkflowError(`execute-plan: ${file} has no slices`, {
      code: "E_USAGE", hint: "start each slice with a heading such as: ## Slice 1 — parse the config",
    });
  }
  const seen = new Map<number, string>();
  for (const s of slices) {
    const other = seen.get(s.n);
    if (other !== undefined) {
      throw new WorkflowError(`execute-plan: ${file} has two slices numbered ${s.n} ("${other}" and "${s.title}")`, {
        code: "E_USAGE", hint: "number the slices 1, 2, 3, … in the order they should be merged",
      });
    }
    seen.set(s.n, s.title);
  }
  return { context: context.join("\n").trim(), slices: slices.sort((a, b) => a.n - b.n) };
}

function done(c: { n: number; title: string; body: string[] }): Slice {
  return { n: c.n, title: c.title, body: c.body.join("\n").trim() };
}
