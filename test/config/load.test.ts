import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findProjectRoot, loadConfig, resolveConfigFile } from "../../src/config/load.ts";
import { ConfigError } from "../../src/util/errors.ts";

const base = mkdtempSync(join(tmpdir(), "aegis-load-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
function project(body: string, sub = ""): string {
  const dir = join(base, `p${n++}`, sub);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".aegis.ts"), body);
  return dir;
}

const OK = (reply: string) => `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { demo: { provider: new Scripted({ reply: () => "${reply}" }) } } });
`;

async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

describe("findProjectRoot", () => {
  test("walks up to the closest folder holding .aegis.ts", () => {
    const root = project(OK("x"));
    const deep = join(root, "a", "b", "c");
    mkdirSync(deep, { recursive: true });
    expect(findProjectRoot(deep)).toBe(root);
    expect(findProjectRoot(root)).toBe(root);
  });
  test("the closest wins over an outer project", () => {
    const outer = project(OK("outer"));
    const inner = join(outer, "pkg");
    mkdirSync(inner);
    writeFileSync(join(inner, ".aegis.ts"), OK("inner"));
    expect(findProjectRoot(join(inner))).toBe(inner);
  });
  test("null when there is none", () => {
    const dir = mkdtempSync(join(tmpdir(), "aegis-none-"));
    expect(findProjectRoot(dir)).toBeNull();
    rmSync(dir, { recursive: true });
  });
});

describe("loadConfig", () => {
  test("loads the project config through the aegis module", async () => {
    const root = project(OK("hello"));
    const cfg = await loadConfig({ cwd: join(root) });
    expect(cfg.root).toBe(root);
    expect(cfg.file).toBe(join(root, ".aegis.ts"));
    expect(cfg.agents.demo!.harness).toBe("scripted");
    expect(cfg.stateDir).toBe(join(root, ".aegis"));
  });

  test("falls back to ~/.aegis.ts", async () => {
    const home = join(base, "home");
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, ".aegis.ts"), OK("home"));
    const elsewhere = mkdtempSync(join(tmpdir(), "aegis-nowhere-"));
    await withEnv({ HOME: home, AEGIS_CONFIG: undefined }, async () => {
      expect(resolveConfigFile({ cwd: elsewhere })).toBe(join(home, ".aegis.ts"));
      const cfg = await loadConfig({ cwd: elsewhere });
      expect(Object.keys(cfg.agents)).toEqual(["demo"]);
    });
    rmSync(elsewhere, { recursive: true });
  });

  test("--config (file) and AEGIS_CONFIG override the search", async () => {
    const root = project(OK("project"));
    const other = join(base, "other.aegis.ts");
    writeFileSync(other, `import { defineConfig, Scripted } from "aegis";
export default defineConfig({ agents: { alt: { provider: new Scripted({ reply: (p) => p }) } } });
`);
    expect(Object.keys((await loadConfig({ cwd: root, file: other })).agents)).toEqual(["alt"]);
    await withEnv({ AEGIS_CONFIG: other }, async () => {
      expect(Object.keys((await loadConfig({ cwd: root })).agents)).toEqual(["alt"]);
    });
  });

  test("a missing --config file is a ConfigError naming it", async () => {
    await expect(loadConfig({ file: join(base, "nope.ts") })).rejects.toThrow(/config file not found: .*nope\.ts/);
  });

  test("no config anywhere says how to create one", async () => {
    const home = mkdtempSync(join(tmpdir(), "aegis-emptyhome-"));
    await withEnv({ HOME: home, AEGIS_CONFIG: undefined }, async () => {
      const err = await loadConfig({ cwd: home }).catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.hint).toContain("aegis init");
    });
    rmSync(home, { recursive: true });
  });

  test("a syntax error is reported with file, line and column", async () => {
    const root = project(`import { defineConfig } from "aegis";\nexport default defineConfig({ agents: { a: , } });\n`);
    const err = await loadConfig({ cwd: root }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`${join(root, ".aegis.ts")}:2:`);
  });

  test("a throw inside the config is reported with its location, not a stack", async () => {
    const root = project(`import { defineConfig } from "aegis";\n\nthrow new Error("kaput");\nexport default defineConfig({ agents: {} });\n`);
    const err = await loadConfig({ cwd: root }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`${join(root, ".aegis.ts")}:3:`);
    expect(err.message).toContain("kaput");
    expect(err.message).not.toContain("    at ");
  });

  test("a config changed on disk is re-imported", async () => {
    const root = project(OK("one"));
    const first = await loadConfig({ cwd: root });
    expect(Object.keys(first.agents)).toEqual(["demo"]);
    await Bun.sleep(5); // mtime granularity
    writeFileSync(join(root, ".aegis.ts"), OK("two").replace("demo", "renamed"));
    const second = await loadConfig({ cwd: root });
    expect(Object.keys(second.agents)).toEqual(["renamed"]);
  });
});
