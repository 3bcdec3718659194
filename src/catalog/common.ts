// Small helpers the catalog's workflows share: choosing an agent (the argument, else the config's defaultAgent),
// splitting `a,b` lists, quoting for the shell, and clipping long text for prompts and reports. They use only the
// public engine, as any project workflow could. Nothing here spawns, sends or writes.

import { WorkflowError, type WorkflowEngine } from "../index.ts";

/** The agent named by `--<arg>`, else the config's defaultAgent; an unknown name fails before any work. */
export function pickAgent(engine: WorkflowEngine, given: string | undefined, arg: string): string {
  const agents = engine.listAgents();
  const agent = given?.trim() || engine.defaultAgent;
  if (!agent) {
    throw new WorkflowError(`${engine.name}: no --${arg} given and the config has no defaultAgent`, {
      code: "E_USAGE", hint: `pass --${arg}=<agent> (one of: ${agents.join(", ") || "none declared"}) or set defaultAgent in .aegis.ts`,
    });
  }
  checkAgent(engine, agent, arg);
  return agent;
}

/** `--reviewers a,b`: the named agents (repeats allowed: each is its own session), else the default agent. */
export function pickAgents(engine: WorkflowEngine, given: string | undefined, arg: string): string[] {
  const names = (given ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return [pickAgent(engine, undefined, arg)];
  for (const n of names) checkAgent(engine, n, arg);
  return names;
}

function checkAgent(engine: WorkflowEngine, agent: string, arg: string): void {
  const agents = engine.listAgents();
  if (!agents.includes(agent)) {
    throw new WorkflowError(`${engine.name}: --${arg} names no agent "${agent}"`, {
      code: "E_USAGE", hint: `the config's agents: ${agents.join(", ") || "none declared"}`,
    });
  }
}

/** Quotes one word for `bash -c`. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** At most `max` characters of `text`: the head (or the tail), with a line saying how much was left out. */
export function clip(text: string, max: number, keep: "head" | "tail" = "head"): string {
  if (text.length <= max) return text;
  const cut = text.length - max;
  return keep === "head"
    ? `${text.slice(0, max)}\n[… ${cut} more characters left out]`
    : `[… ${cut} earlier characters left out]\n${text.slice(-max)}`;
}

/** A command's output for an agent: stdout and stderr, the tail of each when long. */
export function outputOf(r: { exitCode: number; stdout: string; stderr: string }, max = 12_000): string {
  const parts = [r.stdout.trim() && `stdout:\n${clip(r.stdout.trimEnd(), max, "tail")}`, r.stderr.trim() && `stderr:\n${clip(r.stderr.trimEnd(), max, "tail")}`];
  return parts.filter(Boolean).join("\n\n") || "(no output)";
}
