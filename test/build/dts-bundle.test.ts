// scripts/dts-bundle.ts: folding emitted declaration files into one self-contained module (#9).
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { bundleDeclarations, splitStatements } from "../../scripts/dts-bundle.ts";

const base = mkdtempSync(join(tmpdir(), "aegis-dts-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const root = join(base, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return join(root, "index.d.ts");
}

test("statements split at top-level semicolons and at the end of class and interface bodies, with their comments", () => {
  const stmts = splitStatements(`/** A. */
export interface A {
    f(x: { y: string; }): void;
}
export type B = {
    s: "a;b" | \`x\${string};\`;
} | {
    t: number;
};
declare class C extends D<{
    k: 1;
}> {
    m(): void;
}
export {};
`);
  expect(stmts.map((s) => s.code.split(/\s/)[1])).toEqual(["interface", "type", "class", "{};"]);
  expect(stmts[0]!.text.startsWith("/** A. */")).toBe(true);
});

test("only what the entry reaches is kept: a module may import a package for declarations nothing public uses", () => {
  const entry = tree("shake", {
    "index.d.ts": `export { Public, type Shape } from "./lib.ts";\nimport type { Other as Renamed } from "./other.ts";\nexport type Wrapped = Renamed[];\n`,
    "lib.d.ts": `import { z } from "zod";\nexport declare const Schema: z.ZodObject<{}>;\nexport interface Shape { size: Size; }\ntype Size = "s" | "m";\nexport declare class Public { shape: Shape; }\n`,
    "other.d.ts": `export type Other = import("./lib.ts").Shape;\n`,
  });
  const out = bundleDeclarations(entry);
  expect(out).not.toContain("zod");
  expect(out).not.toContain("Schema");
  expect(out).toContain(`export import Public = _lib.Public;`);
  expect(out).toContain(`import Renamed = _other.Other;`);
  expect(out).toContain(`export type Other = _lib.Shape;`);
  expect(out).toContain(`type Size = "s" | "m";`); // reached through Shape
  expect(out).toContain("declare namespace _lib {\n");
  expect(out).not.toMatch(/^\s+export declare /m); // no `declare` inside an ambient namespace
  expect(out.trimEnd().endsWith("export {};")).toBe(true);
});

test("a public type that needs a package is an error naming the module and the package", () => {
  const entry = tree("leak", {
    "index.d.ts": `export type { Config } from "./config/schema.ts";\n`,
    "config/schema.d.ts": `import { z } from "zod";\nexport type Config = z.infer<typeof Schema>;\ndeclare const Schema: z.ZodObject<{}>;\n`,
  });
  expect(() => bundleDeclarations(entry)).toThrow(`config/schema.d.ts: the public types import the package "zod"`);
});

test("statements the bundler cannot fold are errors, not guesses", () => {
  const entry = tree("star", { "index.d.ts": `export * from "./a.ts";\n`, "a.d.ts": `export type A = 1;\n` });
  expect(() => bundleDeclarations(entry)).toThrow("unsupported statement");
});
