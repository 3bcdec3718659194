// What a no-code workflow would cost before it runs: the agents it spawns and the turns it sends, per node and in
// total. Loops count maxRounds, maps the items they will see (an argument's value, a map's maxItems, or a schema's
// maxItems), `if` its larger branch, a schema'd reply its one retry: those make the figure an upper bound; a
// TypeScript workflow it calls counts what its `plan` option says; a map with no bound, or a called workflow with no
// plan, makes it unbounded. Used by `aegis workflow plan` and the approval gate of aegis_run_dynamic_workflow. It must
// not run anything.

import { errorMessage } from "../../util/errors.ts";
import { argDefaults } from "../arg-schema.ts";
import { getWorkflow, type Workflow } from "../registry.ts";
import { parseSelector } from "./refs.ts";
import type { Predicate, Spec, SpecNode } from "./schema.ts";

/** A count: its largest value (Infinity when unbounded) and whether it is exact. */
export interface Projection { agents: number; turns: number; exact: boolean }

export interface PlanLine extends Projection { path: string; id: string; depth: number; what: string; note?: string }

export interface Plan {
  workflow: string;
  source: string;
  /** Largest number of agents spawned; null when unbounded. */
  agents: number | null;
  turns: number | null;
  /** "exact", "upper" (loops, maps, retries, branches) or "unbounded". */
  bound: "exact" | "upper" | "unbounded";
  lines: PlanLine[];
}

const ZERO: Projection = { agents: 0, turns: 0, exact: true };

/** Projects `spec` run with `args` (defaults applied where given). `specOf` finds the spec of a called workflow. */
export function planSpec(spec: Spec, args: Record<string, unknown>, specOf: (name: string) => Spec | undefined): Plan {
  const lines: PlanLine[] = [];
  const p = new Planner({ ...defaultsOf(spec), ...args }, lines, specOf, [spec.name]).planRoot(spec.root, 0);
  const unbounded = !Number.isFinite(p.agents) || !Number.isFinite(p.turns);
  return {
    workflow: spec.name, source: spec.source,
    agents: Number.isFinite(p.agents) ? p.agents : null, turns: Number.isFinite(p.turns) ? p.turns : null,
    bound: unbounded ? "unbounded" : p.exact ? "exact" : "upper", lines,
  };
}

class Planner {
  constructor(
    private readonly args: Record<string, unknown>, private readonly lines: PlanLine[],
    private readonly specOf: (name: string) => Spec | undefined, private readonly chain: string[],
    private readonly nodes = new Map<string, SpecNode>(),
  ) {}

  private readonly sessions = new Set<string>();

  /** A whole spec: its nodes, plus one agent per named session (each run of the spec spawns its own). */
  planRoot(root: SpecNode, depth: number): Projection {
    const p = this.node(root, depth);
    return { ...p, agents: p.agents + this.sessions.size };
  }

  node(n: SpecNode, depth: number): Projection {
    this.nodes.set(n.id, n);
    const line: PlanLine = { path: n.path, id: n.id, depth, what: n.type, ...ZERO };
    this.lines.push(line);
    const p = this.project(n, depth, line);
    Object.assign(line, p);
    return p;
  }

  private project(n: SpecNode, depth: number, line: PlanLine): Projection {
    switch (n.type) {
      case "agent":
        line.what = `agent ${n.agent ?? "(default)"}${n.session ? `, session ${n.session}` : ""}${n.schema ? ", schema" : ""}`;
        // A named session is one agent however many nodes and rounds use it: counted once, by planRoot.
        if (n.session) this.sessions.add(n.session);
        return { agents: n.session ? 0 : 1, turns: n.schema ? 2 : 1, exact: !n.schema };
      case "bash": case "human":
        return ZERO;
      case "sequence": case "parallel":
        return sum(n.children.map((c) => this.node(c, depth + 1)));
      case "if": {
        // The larger branch, counted apart for agents and turns; exact only when both branches cost the same.
        const branches = [n.then, ...(n.else ? [n.else] : [])].map((b) => this.node(b, depth + 1));
        const [a, b = ZERO] = branches as [Projection, Projection?];
        const same = a.agents === b.agents && a.turns === b.turns;
        return sum([predicate(n.cond), { agents: Math.max(a.agents, b.agents), turns: Math.max(a.turns, b.turns), exact: a.exact && b.exact && same }]);
      }
      case "loop": {
        line.what = `loop ≤${n.maxRounds} rounds`;
        const round = sum([this.node(n.body, depth + 1), predicate(n.until)]);
        return times(round, n.maxRounds, round.exact && n.maxRounds === 1);
      }
      case "map": {
        const items = this.items(n);
        line.what = `map over ${n.over}, ${items.count === Infinity ? "items unbounded" : `${items.exact ? "" : "≤"}${items.count} items`}`;
        if (items.note) line.note = items.note;
        const body = this.node(n.body, depth + 1);
        return times(body, items.count, body.exact && items.exact);
      }
      case "workflow": {
        const spec = this.chain.includes(n.workflow) ? undefined : this.specOf(n.workflow);
        line.what = `workflow ${n.workflow}`;
        // Its defaults, and the arguments the node gives literally (a templated one is known only at run time).
        const given = Object.fromEntries(Object.entries(n.args ?? {}).filter(([, v]) => typeof v !== "string" || !v.includes("{{")));
        if (!spec) {
          const wf = this.chain.includes(n.workflow) ? undefined : getWorkflow(n.workflow);
          if (wf?.plan) return planned(wf, given, Object.keys(n.args ?? {}).filter((k) => !(k in given)), line);
          line.note = this.chain.includes(n.workflow) ? "calls itself: not projected" : wf ? "a TypeScript workflow without a plan: not projected" : "unknown workflow";
          return { agents: Infinity, turns: Infinity, exact: false };
        }
        const sub = new Planner({ ...defaultsOf(spec), ...given }, this.lines, this.specOf, [...this.chain, spec.name]);
        return sub.planRoot(spec.root, depth + 1);
      }
    }
  }

  /** How many items a map sees: the argument's value, else the smallest bound declared. */
  private items(n: Extract<SpecNode, { type: "map" }>): { count: number; exact: boolean; note?: string } {
    const sel = parseSelector(n.over);
    if (typeof sel !== "string" && sel.root === "args" && sel.steps.length >= 1) {
      let v: unknown = this.args;
      for (const s of sel.steps) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[String(s)] : undefined;
      if (Array.isArray(v)) return n.maxItems !== undefined && v.length > n.maxItems ? { count: n.maxItems, exact: false, note: "the list is longer than maxItems: the run fails" } : { count: v.length, exact: true };
    }
    const fromSchema = typeof sel === "string" ? undefined : this.schemaMaxItems(sel.root, sel.steps);
    const bounds = [n.maxItems, fromSchema].filter((b): b is number => b !== undefined);
    if (bounds.length) return { count: Math.min(...bounds), exact: false };
    return { count: Infinity, exact: false, note: "no bound: give the list as an argument, or set maxItems" };
  }

  private schemaMaxItems(root: string, steps: (string | number)[]): number | undefined {
    const src = this.nodes.get(root);
    if (src?.type !== "agent" || !src.schema) return undefined;
    let s: Record<string, unknown> | undefined = src.schema;
    for (const step of steps) s = (s?.properties as Record<string, Record<string, unknown>> | undefined)?.[String(step)];
    return typeof s?.maxItems === "number" ? s.maxItems : undefined;
  }
}

/**
 * A TypeScript workflow's own projection (WorkflowOptions.plan) for the arguments known before the run. One it reads
 * that a template gives (known only at run time), or a plan that fails, makes the call unbounded.
 */
function planned(wf: Workflow, given: Record<string, unknown>, templated: string[], line: PlanLine): Projection {
  const known = { ...argDefaults(wf.args), ...given };
  let read: string | undefined;
  const args = new Proxy(known, {
    get: (t, k) => {
      if (typeof k === "string" && templated.includes(k)) throw (read = k);
      return t[k as string];
    },
  });
  try {
    const p = wf.plan!(args);
    if (p.agents === null || p.turns === null) line.note = "its plan cannot tell";
    return { agents: p.agents ?? Infinity, turns: p.turns ?? Infinity, exact: p.exact === true && p.agents !== null && p.turns !== null };
  } catch (err) {
    line.note = read !== undefined ? `depends on args.${read}, known only at run time` : `its plan failed: ${errorMessage(err)}`;
    return { agents: Infinity, turns: Infinity, exact: false };
  }
}

function defaultsOf(spec: Spec): Record<string, unknown> {
  return Object.fromEntries(Object.entries(spec.args ?? {}).filter(([, d]) => d.default !== undefined).map(([k, d]) => [k, d.default]));
}

function predicate(p: Predicate): Projection {
  return "judge" in p ? { agents: 1, turns: 2, exact: false } : ZERO;
}

function sum(ps: Projection[]): Projection {
  return ps.reduce((a, b) => ({ agents: a.agents + b.agents, turns: a.turns + b.turns, exact: a.exact && b.exact }), ZERO);
}

function times(p: Projection, k: number, exact: boolean): Projection {
  // 0 × unbounded is 0: a body that spawns nothing costs nothing however many items there are.
  const mul = (x: number) => (x === 0 ? 0 : x * k);
  return { agents: mul(p.agents), turns: mul(p.turns), exact: exact || (p.agents === 0 && p.turns === 0) };
}

/** The plan as `aegis workflow plan` prints it. */
export function formatPlan(plan: Plan): string {
  const count = (n: number, what: string, exact: boolean) =>
    n === Infinity ? `? ${what}s` : `${exact || n === 0 ? "" : "≤"}${n} ${what}${n === 1 ? "" : "s"}`;
  const rows = plan.lines.map((l) => [`${"  ".repeat(l.depth)}${l.id}`, l.what, count(l.agents, "agent", l.exact), count(l.turns, "turn", l.exact), l.note ?? ""]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const body = rows.map((r) => `  ${r.slice(0, 4).map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ")}${r[4] ? `  (${r[4]})` : ""}`.trimEnd());
  const total = plan.bound === "unbounded"
    ? "unbounded: a map without a bound, or a workflow it calls that cannot be projected"
    : `${plan.bound === "exact" ? "exactly" : "at most"} ${plan.agents} agent${plan.agents === 1 ? "" : "s"}, ${plan.turns} turn${plan.turns === 1 ? "" : "s"}${plan.bound === "upper" ? " (an upper bound: loops, maps, branches, schema retries)" : ""}`;
  return `${plan.workflow} (${plan.source}): ${total}\n${body.join("\n")}\n`;
}
