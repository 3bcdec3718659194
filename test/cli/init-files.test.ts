// The tsconfig.json and package.json `aegis init` leaves: written when absent, merged when present (#9).
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALIAS_SPEC, setUpPackageJson } from "../../src/cli/init-script.ts";
import { setUpTsconfig } from "../../src/cli/init-tsconfig.ts";
import { VERSION } from "../../src/version.ts";

const base = mkdtempSync(join(tmpdir(), "aegis-init-files-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

function folder(files: Record<string, string> = {}): string {
  const dir = join(base, `p${n++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
const readJson = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));

test("the alias names aegis-harness at this version", () => {
  expect(ALIAS_SPEC).toBe(`npm:aegis-harness@^${VERSION}`);
});

test("an existing tsconfig.json keeps its options and gains the aegis mapping and the dot-file include (#9)", () => {
  const dir = folder({ "tsconfig.json": JSON.stringify({ compilerOptions: { strict: false, paths: { "@/*": ["./src/*"] } }, include: ["src"] }, null, 4) });
  const r = setUpTsconfig(dir, "binary");
  expect(r.action).toBe("merged");
  const t = readJson(dir, "tsconfig.json");
  expect(t.compilerOptions).toEqual({ strict: false, paths: { "@/*": ["./src/*"], aegis: ["./.aegis/types/aegis.d.ts"] } });
  expect(t.include).toEqual(["src", ".aegis.ts", "workflows"]);
  expect(readFileSync(join(dir, "tsconfig.json"), "utf8")).toContain('\n    "compilerOptions"'); // its indent kept
  expect(setUpTsconfig(dir, "binary").action).toBe("unchanged");
});

test("with no include, tsc's default **/* is kept explicit next to .aegis.ts; baseUrl shifts the mapping", () => {
  const dir = folder({ "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: "src" } }) });
  setUpTsconfig(dir, "binary");
  const t = readJson(dir, "tsconfig.json");
  expect(t.include).toEqual(["**/*", ".aegis.ts"]);
  expect(t.compilerOptions.paths.aegis).toEqual(["../.aegis/types/aegis.d.ts"]);
});

test("a tsconfig.json with comments is left untouched, and the change to make is explained", () => {
  const text = `{\n  // mine\n  "compilerOptions": { "strict": true },\n}\n`;
  const dir = folder({ "tsconfig.json": text });
  const r = setUpTsconfig(dir, "binary");
  expect(r.action).toBe("left");
  expect(r.notes.join("\n")).toContain(`add "aegis": ["./.aegis/types/aegis.d.ts"] to compilerOptions.paths`);
  expect(readFileSync(join(dir, "tsconfig.json"), "utf8")).toBe(text);
});

test("script mode takes the types from the installed package: no mapping to the .d.ts, an earlier one removed", () => {
  const fresh = folder();
  expect(setUpTsconfig(fresh, "script").action).toBe("wrote");
  const t = readJson(fresh, "tsconfig.json");
  expect(t.compilerOptions.paths).toBeUndefined();
  expect(t.include).toEqual(["aegis.ts", ".aegis.ts", "workflows"]);
  setUpTsconfig(fresh, "binary");
  const r = setUpTsconfig(fresh, "script");
  expect(r.action).toBe("merged");
  expect(r.notes.join()).toContain("removed compilerOptions.paths.aegis");
  expect(readJson(fresh, "tsconfig.json").compilerOptions.paths.aegis).toBeUndefined();
});

test("package.json: written with the alias when absent; an existing one keeps everything but dependencies.aegis (#9)", () => {
  const fresh = folder();
  expect(setUpPackageJson(fresh).action).toBe("wrote");
  expect(readJson(fresh, "package.json")).toMatchObject({ private: true, type: "module", dependencies: { aegis: ALIAS_SPEC } });

  const dir = folder({ "package.json": JSON.stringify({ name: "mine", dependencies: { aegis: "^1.0.0", zod: "4" }, scripts: { x: "y" } }) });
  const r = setUpPackageJson(dir);
  expect(r.action).toBe("merged");
  expect(r.note).toContain(`replaced dependencies.aegis "^1.0.0"`);
  expect(readJson(dir, "package.json")).toEqual({ name: "mine", dependencies: { aegis: ALIAS_SPEC, zod: "4" }, scripts: { x: "y" } });
  expect(setUpPackageJson(dir).action).toBe("unchanged");
});

test("a package.json that is not JSON is a usage error naming the file", () => {
  const dir = folder({ "package.json": "{ nope" });
  expect(() => setUpPackageJson(dir)).toThrow(join(dir, "package.json"));
});

test("a tsconfig.json that extends another and inherits its paths or include is left alone: setting them would drop the inherited ones", () => {
  const text = JSON.stringify({ extends: "./tsconfig.base.json", compilerOptions: { strict: true } });
  const dir = folder({ "tsconfig.json": text, "tsconfig.base.json": JSON.stringify({ compilerOptions: { paths: { "@/*": ["./src/*"] } } }) });
  const r = setUpTsconfig(dir, "binary");
  expect(r.action).toBe("left");
  expect(r.notes.join()).toContain(`it extends "./tsconfig.base.json" and does not set compilerOptions.paths or include itself`);
  expect(readFileSync(join(dir, "tsconfig.json"), "utf8")).toBe(text);

  // With its own paths and include, it is merged as usual.
  const own = folder({ "tsconfig.json": JSON.stringify({ extends: "./b.json", compilerOptions: { paths: {} }, include: ["src"] }) });
  expect(setUpTsconfig(own, "binary").action).toBe("merged");
  expect(readJson(own, "tsconfig.json").compilerOptions.paths.aegis).toEqual(["./.aegis/types/aegis.d.ts"]);
});
