// Selectors, templates and structured replies of no-code workflows (#13): resolution and the errors that say which
// step of a path missed; a schema'd agent's reply parsed, retried once with the validation error, then refused.
import { describe, expect, test } from "bun:test";
import { listSteps } from "../../../src/store/runs.ts";
import { extractJson } from "../../../src/workflow/spec/json-reply.ts";
import { asShellWord, parseSelector, renderTemplate, resolveSelector, type Lookup, type Selector } from "../../../src/workflow/spec/refs.ts";
import { rig } from "../helpers.ts";
import { yamlWorkflow } from "./helpers.ts";

const values: Record<string, unknown> = { plan: { tasks: [{ title: "a" }, { title: "b" }], empty: [] }, draft: "text", n: 3 };
const lookup: Lookup = (r) => (r in values ? { found: true, value: values[r] } : { found: false, why: `"${r}" has no value here` });
const sel = (t: string) => parseSelector(t) as Selector;

describe("selectors and templates (#13)", () => {
  test("keys, indexes and .last", () => {
    expect(resolveSelector(sel("plan.tasks.1.title"), lookup)).toBe("b");
    expect(resolveSelector(sel("plan.tasks.last"), lookup)).toEqual({ title: "b" });
    expect(resolveSelector(sel("draft"), lookup)).toBe("text");
  });

  test("misses say which step missed and why", () => {
    const miss = (t: string) => {
      try {
        resolveSelector(sel(t), lookup);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("resolved");
    };
    expect(miss("plan.task")).toBe('{{ plan.task }}: plan has no key "task" (its keys: tasks, empty)');
    expect(miss("plan.tasks.5")).toBe("{{ plan.tasks.5 }}: plan.tasks has 2 items, so no index 5");
    expect(miss("plan.empty.last")).toBe("{{ plan.empty.last }}: plan.empty is an empty list, so it has no last item");
    expect(miss("plan.tasks.title")).toBe('{{ plan.tasks.title }}: plan.tasks is a list, so "title" does not apply (use an index or .last)');
    expect(miss("draft.title")).toBe('{{ draft.title }}: draft is the text "text", so it has no "title"');
    expect(miss("n.x")).toBe('{{ n.x }}: n is a number (3), so it has no "x"');
    expect(miss("gone")).toBe('{{ gone }}: "gone" has no value here');
  });

  test("templates put text as is and other values as JSON; shell words are quoted", () => {
    expect(renderTemplate("{{plan.tasks.0}} / {{ draft }} / {{ n }}", lookup)).toBe('{"title":"a"} / text / 3');
    expect(asShellWord("it's $(rm -rf /)\n")).toBe(`'it'\\''s $(rm -rf /)'`);
    expect(parseSelector("a b")).toContain("is not a selector");
  });

  test("the outermost JSON of a reply: bare, fenced, or inside prose", () => {
    expect(extractJson('{"a": 1}')).toEqual({ a: 1 });
    expect(extractJson('Sure:\n```json\n{"a": [1, "}"]}\n```\nDone.')).toEqual({ a: [1, "}"] });
    expect(extractJson('Here it is {"a": {"b": 2}} as asked [x]')).toEqual({ a: { b: 2 } });
    expect(typeof extractJson("no json at all")).toBe("symbol");
  });

  test("a node whose template misses fails the run naming the node (#13)", async () => {
    await using r = rig();
    const out = await r.run(yamlWorkflow(`
name: miss
root:
  type: sequence
  id: s
  children:
    - { type: agent, id: draft, prompt: hi }
    - { type: bash, id: use, run: "echo {{ draft.title }}" }
`));
    expect(out.status).toBe("failed");
    expect((out.error as Error).message).toBe('miss: root.children[1] (id "use"): {{ draft.title }}: draft is the text "w1: hi", so it has no "title"');
  });
});

describe("agent nodes with a JSON Schema (#13)", () => {
  const SPEC = `
name: structured
root:
  type: agent
  id: verdict
  agent: reviewer
  prompt: judge it
  schema: { type: object, properties: { ok: { type: boolean } }, required: [ok], additionalProperties: false }
`;
  const run = async (replies: string[]) => {
    const prompts: string[] = [];
    await using r = rig({ agents: { writer: { reply: () => "" }, reviewer: { reply: (p: string, { turn }: { turn: number }) => (prompts.push(p), replies[turn - 1] ?? "") } } });
    const out = await r.run(yamlWorkflow(SPEC));
    return { out, prompts, sends: listSteps(r.rt.store, out.runId).filter((s) => s.kind === "send").length };
  };

  test("the prompt asks for only JSON matching the schema; the parsed value is the output", async () => {
    const { out, prompts, sends } = await run(['Here you go:\n```json\n{"ok": true}\n```']);
    expect(out.result).toEqual({ ok: true });
    expect(prompts[0]).toContain("Reply with only a JSON value matching this JSON Schema");
    expect(prompts[0]).toContain('"required": [\n    "ok"\n  ]');
    expect(sends).toBe(1);
  });

  test("a reply that does not match gets one retry carrying the validation error", async () => {
    const { out, prompts, sends } = await run(['{"ok": "yes"}', '{"ok": false}']);
    expect(out.result).toEqual({ ok: false });
    expect(sends).toBe(2);
    expect(prompts[1]).toContain("Your reply does not match the JSON Schema: reply.ok must be boolean.");
  });

  test("two replies that do not match fail the run with a WorkflowError naming the node and the error", async () => {
    const { out, sends } = await run(["no idea", '{"ok": true, "extra": 1}']);
    expect(out.status).toBe("failed");
    expect(sends).toBe(2);
    expect((out.error as { code: string }).code).toBe("E_WORKFLOW");
    expect((out.error as Error).message).toBe(`structured: root (id "verdict"): the agent's reply does not match its schema after one retry: reply must NOT have additional properties ("extra")`);
  });
});
