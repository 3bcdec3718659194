// doctor, init, `config schema` and `config show` know every provider of the table (#10): each list is read from
// src/drivers/providers.ts, so these tests iterate the table rather than naming providers.

import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeConfig } from "../../src/cli/config.ts";
import { renderConfig } from "../../src/cli/init.ts";
import { loadConfig } from "../../src/config/load.ts";
import { configJsonSchema } from "../../src/config/schema.ts";
import { providerSpecs } from "../../src/drivers/providers.ts";

const ROOT = join(import.meta.dir, "..", "..");
const base = mkdtempSync(join(tmpdir(), "aegis-table-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const withCli = providerSpecs().filter((p) => p.cli);
const withInit = providerSpecs().filter((p) => p.cli && p.init);

async function aegis(args: string[], cwd: string, path: string) {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args], {
    cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, PATH: path, HOME: base, NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("doctor --json checks every CLI of the table and describes every provider's permission levels (#10)", async () => {
  const bin = join(base, "bin");
  mkdirSync(bin, { recursive: true });
  // Only the first CLI is installed (a stub answering --version); every other one is reported with its install command.
  const first = withCli[0]!;
  writeFileSync(join(bin, first.cli!.bin), "#!/bin/sh\necho 9.9.9\n");
  chmodSync(join(bin, first.cli!.bin), 0o755);
  const cwd = join(base, "no-config");
  mkdirSync(cwd, { recursive: true });
  const r = await aegis(["doctor", "--json"], cwd, `${bin}:/usr/bin:/bin`);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.clis.map((c: { harness: string }) => c.harness)).toEqual(withCli.map((p) => p.name));
  for (const spec of withCli) {
    const c = report.clis.find((x: { harness: string }) => x.harness === spec.name);
    expect(c).toMatchObject({ bin: spec.cli!.bin, install: spec.cli!.install, ok: spec === first });
  }
  expect(report.clis[0]).toMatchObject({ version: "9.9.9", path: join(bin, first.cli!.bin) });
  expect(report.providers.map((p: { name: string }) => p.name)).toEqual(providerSpecs().map((p) => p.name));
  for (const p of report.providers) expect(Object.keys(p.permissions).sort()).toEqual(["auto", "full", "read", "write"]);
});

test("init's config with every CLI found configures each provider of the table, and it validates (#10)", async () => {
  const dir = join(base, "init-all");
  mkdirSync(join(dir, "workflows"), { recursive: true });
  const text = renderConfig(withInit.map((p) => ({ harness: p.name, bin: p.cli!.bin, path: `/usr/bin/${p.cli!.bin}` })));
  for (const p of withInit) expect(text).toContain(p.className);
  writeFileSync(join(dir, ".aegis.ts"), text);
  const cfg = await loadConfig({ cwd: dir });
  for (const p of withInit) expect(cfg.agents[p.init!.agent]?.harness).toBe(p.name);
  expect(cfg.defaultAgent).toBe(withInit[0]!.init!.agent);
  // config show lists each agent with the options its table entry declares, and nothing it does not.
  const shown = describeConfig(cfg).agents;
  for (const p of withInit) {
    const agent = shown[p.init!.agent]!;
    const allowed = ["harness", "prompt", "effort", ...Object.keys(p.options.shape)];
    for (const key of Object.keys(agent)) expect(allowed).toContain(key);
  }
});

test("config schema has every provider object and every flat harness of the table (#10)", () => {
  const json = JSON.stringify(configJsonSchema());
  for (const p of providerSpecs()) {
    expect(json).toContain(`"const":"${p.name}"`);
    expect(json).toContain(`new ${p.className}({...})`);
  }
});
