// The workflow registry: names, the args schema, and the collision error naming both files.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";
import { importWorkflowFile, resolveWorkflow, workflowFiles } from "../../src/workflow/loader.ts";
import { clearRegistry, getWorkflow, listWorkflows, workflow } from "../../src/workflow/registry.ts";
import { z } from "../../src/workflow/z.ts";

beforeEach(() => clearRegistry());
afterEach(() => clearRegistry());

describe("workflow()", () => {
  test("registers under the given name, or the function's name", () => {
    const a = workflow("alpha", async () => 1);
    async function beta() {
      return 2;
    }
    const b = workflow(beta);
    expect(listWorkflows()).toEqual(["alpha", "beta"]);
    expect(getWorkflow("alpha")).toBe(a);
    expect(getWorkflow("beta")).toBe(b);
    expect(getWorkflow("gamma")).toBeUndefined();
    expect(() => workflow(async () => 1)).toThrow(/needs a name/);
    expect(() => workflow("x", undefined as never)).toThrow(/async function/);
  });

  test("keeps resume: \"auto\" | \"manual\" for aegis serve and refuses any other value (#12)", () => {
    expect(workflow("r1", async () => 1, { resume: "manual" }).resume).toBe("manual");
    expect(workflow("r2", async () => 1).resume).toBeUndefined();
    expect(() => workflow("r3", async () => 1, { resume: "later" as never })).toThrow(/resume must be "auto" or "manual"; got "later"/);
  });

  test("keeps the args schema it declares, and reads nothing from the function's source text (#10)", () => {
    const args = z.object({ who: z.string().default("world") });
    const wf = workflow("d", async (_e, { who }) => who, { args });
    expect(wf.args).toBe(args);
    // A destructuring default is plain JavaScript: aegis no longer scans it (nor lists it) without a schema.
    const free = workflow("free", async (_e, { who = "world" }: { who?: string }) => who);
    expect(free.args).toBeUndefined();
    expect("defaults" in free).toBe(false);
  });

  test("two different workflows with one name fail, naming both files", async () => {
    using dir = tempDir("wf-reg");
    const a = dir.join("a.ts");
    const b = dir.join("b.ts");
    writeFileSync(a, `import { workflow } from "aegis";\nexport default workflow("same", async () => "a");\n`);
    writeFileSync(b, `import { workflow } from "aegis";\nexport default workflow("same", async () => "b");\n`);
    await importWorkflowFile(a);
    expect(getWorkflow("same")?.file).toBe(a);
    const err = await importWorkflowFile(b).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_CONFIG" });
    expect(String((err as Error).message)).toContain(a);
    expect(String((err as Error).message)).toContain(b);
  });
});

describe("loader", () => {
  test("folders are read recursively, skipping tests, dotfiles and _private files", () => {
    using dir = tempDir("wf-files");
    for (const f of ["b.ts", "a.ts", "a.test.ts", "_helper.ts", ".hidden.ts", "notes.md"]) writeFileSync(dir.join(f), "");
    expect(workflowFiles([dir.path]).map((p) => p.slice(dir.path.length + 1))).toEqual(["a.ts", "b.ts"]);
    expect(() => workflowFiles([dir.join("missing")])).toThrow(/does not exist/);
  });

  test("resolves a name with a did-you-mean, and a file by its default export or its only workflow", async () => {
    using dir = tempDir("wf-resolve");
    writeFileSync(dir.join("one.ts"), `import { workflow } from "aegis";\nworkflow("only-one", async () => 1);\n`);
    writeFileSync(dir.join("two.ts"), `import { workflow } from "aegis";\nworkflow("first", async () => 1);\nworkflow("second", async () => 2);\n`);
    const cfg = { workflows: [] };
    expect((await resolveWorkflow(cfg, "./one.ts", dir.path)).name).toBe("only-one");
    await expect(resolveWorkflow(cfg, "./two.ts", dir.path)).rejects.toThrow(/several workflows \(first, second\)/);
    await expect(resolveWorkflow(cfg, "frist", dir.path)).rejects.toThrow(/did you mean "first"/);
    await expect(resolveWorkflow(cfg, "./nope.ts", dir.path)).rejects.toThrow(/not found/);
  });

  test("a module that fails to load is a config error with its location", async () => {
    using dir = tempDir("wf-broken");
    writeFileSync(dir.join("broken.ts"), `import { workflow } from "aegis";\nthrow new Error("kaput");\n`);
    const err = await importWorkflowFile(dir.join("broken.ts")).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_CONFIG" });
    expect(String((err as Error).message)).toContain("kaput");
  });
});
