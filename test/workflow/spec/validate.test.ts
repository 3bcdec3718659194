// Validation of no-code workflow files at load (#13): each mistake is named with the file, the node's path and id,
// and what is allowed; every problem of a file is reported at once.
import { describe, expect, test } from "bun:test";
import { validateSpec } from "../../../src/workflow/spec/validate.ts";
import { validationError } from "./helpers.ts";

const one = (node: string, extra = "") => `name: t\n${extra}root:\n  type: sequence\n  id: main\n  children:\n    - { type: agent, id: first, prompt: hi }\n    - ${node}\n`;

describe("no-code workflow validation (#13)", () => {
  test("a valid file gives the typed spec with node paths", () => {
    const spec = validateSpec(Bun.YAML.parse(one("{ type: bash, id: b, run: 'echo {{ first }}' }")), "w.yaml", { agents: ["a"], defaultAgent: "a" });
    expect(spec.name).toBe("t");
    expect(spec.root.type === "sequence" && spec.root.children.map((c) => c.path)).toEqual(["root.children[0]", "root.children[1]"]);
  });

  test("an unknown node type, with a did-you-mean and the list of types", () => {
    expect(validationError(one("{ type: agnt, id: x, prompt: hi }"))).toBe(
      'workflows/test.yaml: root.children[1] (id "x"): unknown type "agnt" (did you mean "agent"?); types: agent, bash, human, workflow, sequence, parallel, map, loop, if');
  });

  test("an unknown key names the keys the node type takes", () => {
    expect(validationError(one("{ type: bash, id: b, run: ls, promt: hi }"))).toBe(
      'workflows/test.yaml: root.children[1] (id "b"): unknown key "promt"; a bash node takes: type, id, description, run, cwd, timeout, env, check');
  });

  test("a missing key, a wrong type and an unknown top-level key", () => {
    expect(validationError(one("{ type: loop, id: l, body: { type: bash, id: b, run: ls }, until: { shell: 'true' } }"))).toBe(
      'workflows/test.yaml: root.children[1].maxRounds (id "l"): maxRounds is required');
    expect(validationError(one("{ type: map, id: m, over: [1], body: { type: bash, id: b, run: ls } }"))).toContain(
      'root.children[1].over (id "m"): over: expected string, received array');
    expect(validationError("name: t\nroots: {}\nroot: { type: bash, id: b, run: ls }\n")).toContain('unknown key "roots" (did you mean "root"?); the file takes: $schema, name, description, args, resume, root');
  });

  test("a duplicate id, and an id templates reserve", () => {
    expect(validationError(one("{ type: bash, id: first, run: ls }"))).toBe(
      'workflows/test.yaml: root.children[1] (id "first"): id "first" is already used by root.children[0]; ids must be unique in the file');
    expect(validationError(one("{ type: bash, id: item, run: ls }"))).toContain('id "item" is reserved (templates use args, item, index)');
  });

  test("references: only earlier nodes, not later ones, not the enclosing ones, not inside a map or branch", () => {
    const later = validationError(`name: t\nroot:\n  type: sequence\n  id: main\n  children:\n    - { type: agent, id: a, prompt: "{{ b }}" }\n    - { type: agent, id: b, prompt: "{{ main.a }}" }\n`);
    expect(later).toContain('root.children[0] (id "a"): prompt: {{ b }}: "b" runs later (only earlier nodes can be referred to); visible here: args');
    expect(later).toContain('root.children[1] (id "b"): prompt: {{ main.a }}: "main" encloses this node, so it has not finished here; visible here: args, a');
    const inner = validationError(one("{ type: map, id: m, over: args.x, body: { type: bash, id: inner, run: ls } }\n    - { type: bash, id: after, run: 'echo {{ inner }}' }"));
    expect(inner).toContain('(id "after"): run: {{ inner }}: "inner" is not visible here (it is inside a map, loop, if or parallel branch: refer to that node\'s output instead); visible here: args, first, m');
    expect(validationError(one("{ type: bash, id: b, run: 'echo {{ firts }}' }"))).toContain('unknown id "firts" (did you mean "first"?); visible here: args, first');
  });

  test("item and index only inside a map; args only as declared", () => {
    expect(validationError(one("{ type: bash, id: b, run: 'echo {{ item }}' }"))).toContain("run: {{ item }}: item exists only inside a map's body");
    expect(validationError(one("{ type: bash, id: b, run: 'echo {{ args.topc }}' }", "args: { topic: { type: string } }\n")))
      .toContain('run: {{ args.topc }} names no declared argument (did you mean "topic"?); args: topic');
  });

  test("a sequence's inner nodes are visible after it; a loop's until sees its round", () => {
    expect(() => validateSpec(Bun.YAML.parse(`name: t
root:
  type: sequence
  id: main
  children:
    - { type: sequence, id: inner, children: [{ type: bash, id: deep, run: ls }] }
    - { type: loop, id: l, maxRounds: 2, body: { type: bash, id: r, run: "echo {{ deep.stdout }}" }, until: { shell: "test {{ r.exit }} = 0" } }
`), "t.yaml", { agents: ["a"] })).not.toThrow();
  });

  test("an unknown agent names the agents; no agent and no defaultAgent is an error", () => {
    expect(validationError(one("{ type: agent, id: r, agent: revewer, prompt: hi }"))).toBe(
      'workflows/test.yaml: root.children[1] (id "r"): unknown agent "revewer" (did you mean "reviewer"?); agents: writer, reviewer');
    expect(validationError(one("{ type: if, id: c, cond: { judge: ok }, then: { type: bash, id: b, run: ls } }"), { agents: ["x", "y"] }))
      .toContain('(id "c"): cond.agent: no agent named and the config has no defaultAgent; agents: x, y');
  });

  test("a JSON Schema that does not compile is refused at load", () => {
    expect(validationError(one("{ type: agent, id: s, prompt: hi, schema: { type: objct } }"))).toContain('(id "s"): schema is not a valid JSON Schema: schema/type must be equal to one of the allowed values');
    expect(validationError(one("{ type: agent, id: s, prompt: hi, schema: { type: object, propertiez: {} } }"))).toContain('strict mode: unknown keyword: "propertiez"');
  });

  test("bad template holes, a bad selector in over, a bad timeout, an argument default of the wrong type", () => {
    expect(validationError(one("{ type: bash, id: b, run: 'echo {{ a + b }}' }"))).toContain('template hole {{ a + b }}: "a + b" is not a selector');
    expect(validationError(one("{ type: bash, id: b, run: 'echo {{ first' }"))).toContain("unbalanced {{ }}");
    expect(validationError(one("{ type: map, id: m, over: 'first[0]', body: { type: bash, id: x, run: ls } }"))).toContain('over: "first[0]" is not a selector');
    expect(validationError(one("{ type: bash, id: b, run: ls, timeout: soon }"))).toContain('timeout: bad duration "soon"');
    expect(validationError(one("{ type: bash, id: b, run: ls }", "args: { n: { type: integer, default: 1.5 } }\n"))).toContain("args.n: default 1.5 is not of type integer");
    const en = validationError(one("{ type: bash, id: b, run: ls }", "args: { m: { type: string, enum: [fast, 2], default: medium } }\n"));
    expect(en).toContain("args.m: enum value 2 is not of type string");
    expect(en).toContain('args.m: default "medium" is not one of the enum values ("fast", 2)');
  });

  test("a malformed node does not hide the other nodes' problems, and references to it are not reported", () => {
    const msg = validationError(one("{ type: bash, id: broken, run: ls, promt: x }\n    - { type: agent, id: z, agent: nobody, prompt: '{{ broken }} {{ nope }}' }"));
    expect(msg.split("\n").slice(1).map((l) => l.trim())).toEqual([
      'workflows/test.yaml: root.children[1] (id "broken"): unknown key "promt"; a bash node takes: type, id, description, run, cwd, timeout, env, check',
      'workflows/test.yaml: root.children[2] (id "z"): prompt: {{ nope }}: unknown id "nope"; visible here: args, first',
      'workflows/test.yaml: root.children[2] (id "z"): unknown agent "nobody"; agents: writer, reviewer',
    ]);
  });

  test("a session is refused where two of its turns could run at once, or with another agent", () => {
    expect(validationError(one("{ type: parallel, id: p, children: [{ type: agent, id: x, session: s, prompt: a }, { type: bash, id: b, run: ls }] }")))
      .toContain('root.children[1].children[0] (id "x"): session "s" is used inside parallel "p": a session takes one turn at a time (drop session, or use concurrency: 1)');
    expect(validationError(one("{ type: map, id: m, over: args.l, body: { type: agent, id: x, session: s, prompt: a } }")))
      .toContain('session "s" is used inside map "m", which runs 4 items at once');
    expect(validationError(one("{ type: agent, id: x, agent: reviewer, session: s, prompt: a }\n    - { type: agent, id: y, session: s, prompt: b }")))
      .toContain('(id "y"): session "s" is already root.children[1] (id "x")\'s, with agent reviewer: its nodes must name the same agent and isolation');
    expect(() => validateSpec(Bun.YAML.parse(one("{ type: map, id: m, over: args.l, concurrency: 1, body: { type: agent, id: x, session: s, prompt: a } }")), "t.yaml", { agents: ["a"], defaultAgent: "a" })).not.toThrow();
  });

  test("a top-level mistake does not hide the nodes' problems (#13)", () => {
    const msg = validationError("nam: t\nargs: { topic: { type: string } }\nroot:\n  type: sequence\n  id: s\n  children:\n    - { type: bash, id: b, runn: ls }\n    - { type: agent, id: z, agent: nobody, prompt: '{{ args.topik }}' }\n");
    expect(msg.split("\n").slice(1).map((l) => l.trim())).toEqual([
      "workflows/test.yaml: (file).name: name is required",
      'workflows/test.yaml: (file): unknown key "nam" (did you mean "name"?); the file takes: $schema, name, description, args, resume, root',
      'workflows/test.yaml: root.children[0].run (id "b"): run is required',
      'workflows/test.yaml: root.children[0] (id "b"): unknown key "runn" (did you mean "run"?); a bash node takes: type, id, description, run, cwd, timeout, env, check',
      'workflows/test.yaml: root.children[1] (id "z"): prompt: {{ args.topik }} names no declared argument (did you mean "topic"?); args: topic',
      'workflows/test.yaml: root.children[1] (id "z"): unknown agent "nobody"; agents: writer, reviewer',
    ]);
  });

  test("a malformed node does not hide the shapes of the nodes inside it (#13)", () => {
    const msg = validationError(one("{ type: map, id: m, over: args.l, concurrency: 0, body: { type: sequence, id: s2, children: [{ type: bash, id: b, runn: ls }, { type: agnt, id: x, body: { type: bash, id: y } }] } }"));
    expect(msg.split("\n").slice(1).map((l) => l.trim())).toEqual([
      'workflows/test.yaml: root.children[1].concurrency (id "m"): concurrency: Too small: expected number to be >=1',
      'workflows/test.yaml: root.children[1].body.children[0].run (id "b"): run is required',
      'workflows/test.yaml: root.children[1].body.children[0] (id "b"): unknown key "runn" (did you mean "run"?); a bash node takes: type, id, description, run, cwd, timeout, env, check',
      'workflows/test.yaml: root.children[1].body.children[1] (id "x"): unknown type "agnt" (did you mean "agent"?); types: agent, bash, human, workflow, sequence, parallel, map, loop, if',
      'workflows/test.yaml: root.children[1].body.children[1].body.run (id "y"): run is required',
    ]);
  });

  test("every problem of the file is reported at once", () => {
    const msg = validationError(one("{ type: bash, id: first, run: 'echo {{ nope }}' }\n    - { type: agent, id: z, agent: nobody, prompt: x }"));
    expect(msg.split("\n")[0]).toBe("workflows/test.yaml: 3 problems:");
    expect(msg.split("\n")).toHaveLength(4);
  });
});
