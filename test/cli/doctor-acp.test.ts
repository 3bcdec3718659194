// `aegis doctor` checks the executable of each configured ACPAgent (its command[0]): found and runnable is fine with or
// without a version line (not every ACP agent has --version), missing fails the check (#10).

import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const base = mkdtempSync(join(tmpdir(), "aegis-doctor-acp-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

test("doctor checks each ACPAgent's command[0], labelled by the agents using it (#10)", async () => {
  const bin = join(base, "bin");
  mkdirSync(bin);
  script(join(bin, "my-acp"), "echo my-acp 1.2.3");
  script(join(bin, "no-version-acp"), "exit 2");
  const project = join(base, "proj");
  mkdirSync(project);
  writeFileSync(join(project, ".aegis.ts"), `import { defineConfig, ACPAgent } from "aegis";
export default defineConfig({ agents: {
  mine: { provider: new ACPAgent({ command: ["my-acp", "--acp"], permission: "write", name: "Mine" }) },
  quiet: { harness: "acp", command: ["no-version-acp", "acp"], permission: "read" },
  gone: { provider: new ACPAgent({ command: ["/nonexistent/acp-agent", "--acp"], permission: "read" }) },
} });
`);
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "doctor", "--json"], {
    cwd: project, stdout: "pipe", stderr: "pipe", env: { ...process.env, PATH: `${bin}:/usr/bin:/bin`, HOME: base, NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(code, stderr).toBe(1);
  const clis = (JSON.parse(stdout) as { clis: Array<Record<string, unknown>> }).clis.filter((c) => c.harness === "acp");
  expect(clis.find((c) => c.bin === "my-acp")).toMatchObject({ ok: true, version: "my-acp 1.2.3", agents: ["mine (Mine)"] });
  expect(clis.find((c) => c.bin === "no-version-acp")).toMatchObject({ ok: true, version: null, agents: ["quiet"] });
  expect(clis.find((c) => c.bin === "/nonexistent/acp-agent")).toMatchObject({ ok: false, path: null, agents: ["gone"] });
});
