// Library mode: a plain `bun script.ts` with the package installed (node_modules/aegis) imports { run, workflow } from
// "aegis" and runs workflows by name, as a Workflow, or as a bare function; a failure rejects with the run's error.
import { expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";

const ROOT = join(import.meta.dir, "../..");

test("a plain bun script runs workflows with run() and gets their results", async () => {
  using dir = tempDir("wf-library");
  mkdirSync(dir.join("node_modules"));
  symlinkSync(ROOT, dir.join("node_modules", "aegis"));
  writeFileSync(dir.join(".aegis.ts"), `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { writer: { provider: new Scripted({ reply: (p) => "re: " + p.split("\\n").pop() }) } } });
`);
  writeFileSync(dir.join("script.ts"), `import { run, workflow, WorkflowError } from "aegis";
workflow("hello", async (engine, { who = "world" }) => engine.send(await engine.spawn("writer"), "hello " + who));
const byName = await run("hello", { who: "x" }, { quiet: true });
const bare = await run(async (engine) => engine.listAgents(), {}, { quiet: true });
let failed = "";
try {
  await run(workflow("nope", async () => { throw new WorkflowError("no way"); }), {}, { quiet: true });
} catch (err) {
  failed = err.code + ": " + err.message;
}
console.log(JSON.stringify({ byName, bare, failed }));
`);
  const p = Bun.spawn([process.execPath, "script.ts"], { cwd: dir.path, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(err).toBe("");
  expect(code).toBe(0);
  expect(JSON.parse(out)).toEqual({ byName: "re: hello x", bare: ["writer"], failed: "E_WORKFLOW: no way" });
});
