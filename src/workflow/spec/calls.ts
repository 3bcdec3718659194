// The checks of a no-code `workflow` node against the workflow it calls: that one is registered, and the node gives
// it only arguments it declares and every one it requires. Used at load (once every file is registered) and by
// `aegis workflow validate` beside the file's other problems. It must not run or register anything.

import { didYouMean as suggest } from "../../config/validate.ts";
import { argInfo } from "../arg-schema.ts";
import { getWorkflow } from "../registry.ts";
import type { SpecNode } from "./schema.ts";

/** What is wrong with the call node `n` (empty when nothing), given the registered workflows' names. */
export function callProblems(n: Extract<SpecNode, { type: "workflow" }>, known: readonly string[]): string[] {
  if (!known.includes(n.workflow)) return [`unknown workflow "${n.workflow}"${didYouMean(n.workflow, [...known])}; workflows: ${known.join(", ") || "(none)"}`];
  const declared = argInfo(getWorkflow(n.workflow)?.args);
  if (!declared) return []; // no schema (any arguments), or one without a JSON form: checked when it runs
  const names = declared.map((a) => a.name);
  const given = Object.keys(n.args ?? {});
  const out = given.filter((k) => !names.includes(k))
    .map((k) => `args.${k}: workflow "${n.workflow}" takes no argument "${k}"${didYouMean(k, names)}; its arguments: ${names.join(", ") || "(none)"}`);
  const missing = declared.filter((a) => a.required && !given.includes(a.name)).map((a) => `"${a.name}"`);
  if (missing.length) out.push(`args: workflow "${n.workflow}" requires ${missing.join(", ")}, not given`);
  return out;
}

/** ` (did you mean "x"?)` or nothing. */
function didYouMean(word: string, candidates: string[]): string {
  const s = suggest(word, candidates);
  return s ? ` (${s.slice(2)})` : "";
}
