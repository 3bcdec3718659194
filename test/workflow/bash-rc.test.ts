// Regression (#5): bash reads ~/.bashrc when its stdin is a socket and SHLVL is unset, which ran the user's shell
// set-up (here: pyenv, whose stale lock then hung every engine.bash call). Commands must run without it.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("engine.bash does not source the user's ~/.bashrc (#5)", async () => {
  const home = mkdtempSync(join(tmpdir(), "aegis-bashrc-"));
  try {
    writeFileSync(join(home, ".bashrc"), "echo RC-LOADED >&2\n");
    const script = `import { runBash } from ${JSON.stringify(join(import.meta.dir, "../../src/workflow/bash.ts"))};
const r = await runBash("echo ok", { cwd: ${JSON.stringify(home)} });
console.log(JSON.stringify(r));`;
    // A clean environment, as when aegis runs under a supervisor: no SHLVL, so bash's socket-stdin rule applies.
    const p = Bun.spawn([process.execPath, "-e", script], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home }, stdout: "pipe", stderr: "inherit" });
    const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    expect(code).toBe(0);
    const r = JSON.parse(out.trim().split("\n").pop()!);
    expect(r).toEqual({ exitCode: 0, stdout: "ok\n", stderr: "" });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
