// The catalog as a user meets it (a subprocess on a project using Scripted agents): `aegis run prompt`, the built-in
// marks of `aegis workflow list`, a project workflow overriding a built-in one with a notice on stderr, and
// `aegis workflow show` for built-in and project workflows.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const base = mkdtempSync(join(tmpdir(), "aegis-catalog-cli-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function project(name: string, files: Record<string, string>): string {
  const dir = join(base, name);
  mkdirSync(join(dir, "workflows"), { recursive: true });
  writeFileSync(join(dir, ".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({
  defaultAgent: "writer",
  agents: {
    writer: { provider: new Scripted({ reply: (p) => "writer: " + p.split("\\n").pop() }) },
    other: { provider: new Scripted({ reply: (p) => "other: " + p.split("\\n").pop() }) },
  },
  workflows: ["workflows/"],
});
`);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const plain = project("plain", { "workflows/mine.ts": `import { workflow, z } from "aegis";
workflow("mine", async (_e, { topic }) => topic, { description: "Echoes a topic", args: z.object({ topic: z.string().describe("What about"), n: z.number().default(2) }) });
` });
const overriding = project("overriding", { "workflows/prompt.ts": `import { workflow, z } from "aegis";
export default workflow("prompt", async (_e, { text }) => "mine: " + text, { description: "The project's own prompt", args: z.object({ text: z.string() }) });
` });

const spec = project("spec", { "workflows/outline.yaml": `name: outline
args: { parts: { type: array, default: [a, b] } }
root:
  type: sequence
  id: note
  children:
    - { type: map, id: parts, over: args.parts, body: { type: agent, id: part, prompt: "write {{ item }}" } }
    - { type: workflow, id: call, workflow: prompt, args: { text: "{{ parts }}" } }
` });

async function aegis(cwd: string, args: string[]) {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args], {
    cwd, stdout: "pipe", stderr: "pipe", stdin: "ignore", env: { ...process.env, NO_COLOR: "1", CI: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

describe("the built-in catalog on the command line (#13)", () => {
  test("aegis run prompt sends the text to the default agent, or to --agent, and prints the reply (#13)", async () => {
    const r = await aegis(plain, ["run", "prompt", "--text", "hello there"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("writer: hello there\n");
    const other = await aegis(plain, ["run", "prompt", "--agent", "other", "--text", "hi"]);
    expect(other.stdout).toBe("other: hi\n");
    const missing = await aegis(plain, ["run", "prompt"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--text: required, not given");
  });

  test("workflow list marks the built-in workflows, and --json has a builtin field (#13)", async () => {
    const r = await aegis(plain, ["workflow", "list"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean).map((l) => l.split(" ")[0])).toEqual(["execute-plan", "fix-ci", "mine", "prompt", "review-branch", "tdd-cycle"]);
    expect(r.stdout).toMatch(/^review-branch +Review the branch's changes.* \(built-in\)$/m);
    expect(r.stdout).toMatch(/^mine +Echoes a topic$/m);
    const json = JSON.parse((await aegis(plain, ["workflow", "list", "--json"])).stdout) as { name: string; builtin: boolean; file: string | null }[];
    expect(json.map((w) => [w.name, w.builtin])).toEqual([
      ["execute-plan", true], ["fix-ci", true], ["mine", false], ["prompt", true], ["review-branch", true], ["tdd-cycle", true],
    ]);
    expect(json.find((w) => w.name === "prompt")!.file).toBeNull();
  });

  test("a project workflow named like a built-in one overrides it, with a notice on stderr, not an error (#13)", async () => {
    const file = join(overriding, "workflows", "prompt.ts");
    const r = await aegis(overriding, ["run", "prompt", "--text", "x"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("mine: x\n");
    expect(r.stderr).toContain(`workflow "prompt" in ${file} overrides the built-in one`);
    expect(r.stderr.split(`overrides the built-in one`)).toHaveLength(2); // told once
    const json = JSON.parse((await aegis(overriding, ["workflow", "list", "--json"])).stdout) as { name: string; builtin: boolean; file: string | null }[];
    expect(json.find((w) => w.name === "prompt")).toMatchObject({ builtin: false, file, description: "The project's own prompt" });
    const show = await aegis(overriding, ["workflow", "show", "prompt"]);
    expect(show.stdout).toStartWith(`prompt (${file})\n  The project's own prompt\n`);
  });

  test("workflow show documents a built-in workflow: arguments with types and defaults, usage, examples (#13)", async () => {
    const r = await aegis(plain, ["workflow", "show", "review-branch"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("review-branch (built-in)\n  Review the branch's changes");
    expect(r.stdout).toMatch(/--base <string> +The branch \(or commit\) to compare with: git diff <base>\.\.\.HEAD \(default: "main"\)/);
    expect(r.stdout).toMatch(/--reviewers <string> +Agent profiles, comma-separated/);
    expect(r.stdout).toContain("\nUSAGE\n\n  Computes git diff <base>...HEAD");
    expect(r.stdout).toContain("\nEXAMPLES\n\n  aegis run review-branch\n");
    const json = JSON.parse((await aegis(plain, ["workflow", "show", "execute-plan", "--json"])).stdout);
    expect(json).toMatchObject({ name: "execute-plan", builtin: true, file: null, schema: true });
    expect(json.args).toContainEqual({ name: "concurrency", type: "integer", required: false, default: 2, description: "Slices built at the same time" });
    expect(json.args).toContainEqual(expect.objectContaining({ name: "plan", type: "string", required: true }));
    expect(json.usage).toContain("## Slice N — title");
    for (const name of ["prompt", "tdd-cycle", "fix-ci"]) {
      const doc = JSON.parse((await aegis(plain, ["workflow", "show", name, "--json"])).stdout);
      expect(doc.usage.length).toBeGreaterThan(100);
      expect(doc.examples[0]).toStartWith(`aegis run ${name} `);
    }
  });

  test("workflow show documents a project workflow from its schema, with an example made of its required arguments; an unknown name exits 2 (#13)", async () => {
    const r = await aegis(plain, ["workflow", "show", "mine"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith(`mine (${join(plain, "workflows", "mine.ts")})\n  Echoes a topic\n`);
    expect(r.stdout).toMatch(/--topic <string> +What about \(required\)/);
    expect(r.stdout).toMatch(/--n <number> +\(default: 2\)/);
    expect(r.stdout).toContain("\nEXAMPLE\n\n  aegis run mine --topic=<string>");
    expect(r.stdout).not.toContain("USAGE");
    const bad = await aegis(plain, ["workflow", "show", "review-brnch"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('did you mean "review-branch"');
  });

  test("workflow show of a no-code workflow lists its nodes with their projected agents and turns (#13)", async () => {
    const r = await aegis(spec, ["workflow", "show", "outline"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("\nNODES\n\n  exactly 3 agents, 3 turns with the defaults (aegis workflow plan outline --key=value … for others)\n");
    expect(r.stdout).toMatch(/\n  note +sequence +3 agents +3 turns\n    parts +map over args\.parts, 2 items +2 agents +2 turns\n/);
    expect(r.stdout).toMatch(/\n    call +workflow prompt +1 agent +1 turn\n/);
  });
});
