// Plans of no-code workflows (#13): projected agents and turns per node and in total — exact for straight lines and
// maps over known lists, an upper bound for loops, branches, bounded maps and schema retries, unbounded for a map
// without a bound or a call to a TypeScript workflow that declares no plan.
import { afterEach, describe, expect, test } from "bun:test";
import { formatPlan, planSpec, type Plan } from "../../../src/workflow/spec/plan.ts";
import { validateSpec } from "../../../src/workflow/spec/validate.ts";
import type { Spec } from "../../../src/workflow/spec/schema.ts";
import { clearRegistry, workflow } from "../../../src/workflow/registry.ts";
import { AGENTS } from "./helpers.ts";

const spec = (yaml: string): Spec => validateSpec(Bun.YAML.parse(yaml), "p.yaml", AGENTS);
const plan = (yaml: string, args: Record<string, unknown> = {}, others: Record<string, Spec> = {}): Plan =>
  planSpec(spec(yaml), args, (name) => others[name]);
const totals = (p: Plan) => ({ agents: p.agents, turns: p.turns, bound: p.bound });

afterEach(() => clearRegistry());

describe("aegis workflow plan (#13)", () => {
  test("a sequence of agents is exact; bash and human cost nothing", () => {
    const p = plan(`name: s
root: { type: sequence, id: s, children: [
  { type: agent, id: a, prompt: x }, { type: bash, id: b, run: ls }, { type: human, id: h, question: ok? }, { type: agent, id: c, prompt: y } ] }
`);
    expect(totals(p)).toEqual({ agents: 2, turns: 2, bound: "exact" });
    expect(p.lines.map((l) => [l.id, l.depth, l.agents])).toEqual([["s", 0, 2], ["a", 1, 1], ["b", 1, 0], ["h", 1, 0], ["c", 1, 1]]);
  });

  test("a loop counts maxRounds rounds of its body and its judge (an upper bound); a schema counts its retry", () => {
    const p = plan(`name: l
root: { type: loop, id: l, maxRounds: 3, body: { type: agent, id: a, prompt: x, schema: { type: object } }, until: { judge: done } }
`);
    expect(totals(p)).toEqual({ agents: 6, turns: 12, bound: "upper" });
    expect(formatPlan(p)).toContain("l (p.yaml): at most 6 agents, 12 turns (an upper bound");
  });

  test("a named session is one agent however many nodes and rounds use it", () => {
    const p = plan(`name: l
root: { type: sequence, id: s, children: [
  { type: agent, id: a, session: pair, prompt: x },
  { type: loop, id: l, maxRounds: 3, body: { type: agent, id: b, session: pair, prompt: y }, until: { shell: "true" } } ] }
`);
    expect(totals(p)).toEqual({ agents: 1, turns: 4, bound: "upper" });
  });

  test("if counts its larger branch, agents and turns apart", () => {
    const p = plan(`name: i
root:
  type: if
  id: i
  cond: { shell: "true" }
  then: { type: parallel, id: t, children: [{ type: agent, id: a, prompt: x }, { type: agent, id: b, prompt: x }] }
  else: { type: agent, id: e, prompt: x, schema: { type: object } }
`);
    expect(totals(p)).toEqual({ agents: 2, turns: 2, bound: "upper" });
  });

  test("a map over an argument is exact with its value or default; maxItems or a schema's maxItems bound it; nothing else is unbounded", () => {
    const overArgs = `name: m
args: { xs: { type: array, default: [1, 2, 3] } }
root: { type: map, id: m, over: args.xs, body: { type: agent, id: a, prompt: x } }
`;
    expect(totals(plan(overArgs))).toEqual({ agents: 3, turns: 3, bound: "exact" });
    expect(totals(plan(overArgs, { xs: [1, 2, 3, 4, 5] }))).toEqual({ agents: 5, turns: 5, bound: "exact" });
    const fromSchema = plan(`name: m
root: { type: sequence, id: s, children: [
  { type: agent, id: list, prompt: x, schema: { type: object, properties: { items: { type: array, maxItems: 7 } } } },
  { type: map, id: m, over: list.items, maxItems: 9, body: { type: agent, id: a, prompt: x } } ] }
`);
    expect(totals(fromSchema)).toEqual({ agents: 8, turns: 9, bound: "upper" });
    const open = plan(`name: m
root: { type: sequence, id: s, children: [{ type: agent, id: l, prompt: x }, { type: map, id: m, over: l, body: { type: agent, id: a, prompt: x } }] }
`);
    expect(totals(open)).toEqual({ agents: null, turns: null, bound: "unbounded" });
    expect(formatPlan(open)).toContain("(no bound: give the list as an argument, or set maxItems)");
  });

  test("a map whose body spawns nothing costs nothing, bounded or not", () => {
    expect(totals(plan(`name: m
root: { type: sequence, id: s, children: [{ type: bash, id: l, run: ls }, { type: map, id: m, over: l, body: { type: bash, id: b, run: ls } }] }
`))).toEqual({ agents: 0, turns: 0, bound: "exact" });
  });

  test("a called spec is planned with its defaults and literal arguments; a TypeScript workflow is not projected", () => {
    const sub = spec(`name: sub
args: { xs: { type: array, default: [1, 2] } }
root: { type: map, id: m, over: args.xs, body: { type: agent, id: a, prompt: x } }
`);
    expect(totals(plan("name: top\nroot: { type: workflow, id: w, workflow: sub }\n", {}, { sub }))).toEqual({ agents: 2, turns: 2, bound: "exact" });
    expect(totals(plan("name: top\nroot: { type: workflow, id: w, workflow: sub, args: { xs: [1, 2, 3, 4] } }\n", {}, { sub }))).toMatchObject({ agents: 4 });
    workflow("ts-only", async () => "x");
    const ts = plan("name: top\nroot: { type: workflow, id: w, workflow: ts-only }\n");
    expect(ts.bound).toBe("unbounded");
    expect(formatPlan(ts)).toContain("(a TypeScript workflow without a plan: not projected)");
  });

  test("a called TypeScript workflow counts what its plan option says, with defaults and literal args; a templated arg it reads is unbounded (#13)", async () => {
    const { z } = await import("zod");
    workflow("fan", async () => "x", {
      args: z.object({ n: z.number().default(2), label: z.string().optional() }),
      plan: (a) => ({ agents: a.n, turns: a.n * 2 }),
    });
    workflow("exact-one", async () => "x", { plan: () => ({ agents: 1, turns: 1, exact: true }) });
    expect(totals(plan("name: t\nroot: { type: workflow, id: w, workflow: fan }\n"))).toEqual({ agents: 2, turns: 4, bound: "upper" });
    expect(totals(plan("name: t\nroot: { type: workflow, id: w, workflow: fan, args: { n: 5, label: '{{ args.x }}' } }\n"))).toEqual({ agents: 5, turns: 10, bound: "upper" });
    expect(totals(plan("name: t\nroot: { type: workflow, id: w, workflow: exact-one }\n"))).toEqual({ agents: 1, turns: 1, bound: "exact" });
    const templ = plan("name: t\nargs: { k: { type: number, default: 3 } }\nroot: { type: workflow, id: w, workflow: fan, args: { n: '{{ args.k }}' } }\n");
    expect(templ.bound).toBe("unbounded");
    expect(formatPlan(templ)).toContain("(depends on args.n, known only at run time)");
  });

  test("the built-in catalog's workflows declare plans: prompt exactly one turn, review-branch a session per reviewer, execute-plan unbounded (#13)", async () => {
    const { loadBuiltinWorkflows } = await import("../../../src/workflow/loader.ts");
    await loadBuiltinWorkflows();
    const call = (wf: string, args = "{}") => totals(plan(`name: t\nroot: { type: workflow, id: w, workflow: ${wf}, args: ${args} }\n`));
    expect(call("prompt", "{ text: hi }")).toEqual({ agents: 1, turns: 1, bound: "exact" });
    expect(call("review-branch", "{ reviewers: 'a, b,c' }")).toEqual({ agents: 3, turns: 3, bound: "upper" });
    expect(call("review-branch")).toEqual({ agents: 1, turns: 1, bound: "upper" });
    expect(call("fix-ci", "{ command: 'bun test', rounds: 2 }")).toEqual({ agents: 1, turns: 2, bound: "upper" });
    expect(call("tdd-cycle", "{ feature: f, test: t }")).toEqual({ agents: 2, turns: 9, bound: "upper" });
    expect(call("execute-plan", "{ plan: p.md }").bound).toBe("unbounded");
  });
});
