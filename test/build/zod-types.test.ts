// The public types spell out zod-inferred config types (#10): scripts/zod-types.ts prints a schema as the TypeScript
// type it describes, with each field's .describe() text as its doc comment.

import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { expandZodTypes, zodToTs } from "../../scripts/zod-types.ts";

const Sample = z.strictObject({
  name: z.string().min(1).describe("Shown in messages."),
  level: z.enum(["low", "high"]).optional(),
  count: z.number().int().default(1),
  tags: z.array(z.union([z.string(), z.number()])).optional(),
  env: z.record(z.string(), z.string()),
  mode: z.union([z.literal("all"), z.array(z.string())]),
  "odd-key": z.boolean().optional(),
  limits: z.array(z.union([z.strictObject({ a: z.number() }), z.strictObject({ b: z.number() })])),
  fn: z.custom<() => void>((v) => typeof v === "function").meta({ tsType: "MyFn" }),
});

test("(#10) an object schema prints as its input type with docs; defaults are optional in input, required in output", () => {
  const input = zodToTs(Sample, "input");
  expect(input).toContain("/** Shown in messages. */\n    name: string;");
  expect(input).toContain('level?: "low" | "high";');
  expect(input).toContain("count?: number;");
  expect(input).toContain("tags?: (string | number)[];");
  expect(input).toContain("env: Record<string, string>;");
  expect(input).toContain('mode: "all" | string[];');
  expect(input).toContain('"odd-key"?: boolean;');
  expect(input).toMatch(/limits: \(\{\n\s+a: number;\n\s+\} \| \{\n\s+b: number;\n\s+\}\)\[\];/);
  expect(input).toContain("fn: MyFn;");
  expect(zodToTs(Sample, "output")).toContain("count: number;");
});

test("(#10) a schema it cannot print is an error that says how to name its type", () => {
  expect(() => zodToTs(z.custom<string>(() => true), "input")).toThrow(/tsType/);
});

test("(#10) expandZodTypes rewrites inferred aliases in emitted declarations and drops the schema constants", async () => {
  const src = mkdtempSync(join(tmpdir(), "aegis-zod-src-"));
  const emit = mkdtempSync(join(tmpdir(), "aegis-zod-emit-"));
  try {
    writeFileSync(join(src, "m.ts"), `import { z } from "${require.resolve("zod")}";
export const Thing = z.strictObject({ id: z.string().describe("The id.") });
`);
    writeFileSync(join(emit, "m.d.ts"), `import { z } from "zod";
export declare const Thing: z.ZodObject<{
    id: z.ZodString;
}, z.core.$strict>;
/** A thing. */
export type Thing = z.input<typeof Thing>;
export type Missing = z.infer<typeof NotExported>;
`);
    const r = await expandZodTypes(emit, src);
    expect(r.expanded).toBe(1);
    expect(r.problems).toEqual(["m.ts: type Missing is inferred from NotExported, which the module does not export as a zod schema"]);
    const out = readFileSync(join(emit, "m.d.ts"), "utf8");
    expect(out).toContain("/** A thing. */\nexport type Thing = {\n    /** The id. */\n    id: string;\n};");
    expect(out).not.toContain("declare const Thing");
  } finally {
    rmSync(src, { recursive: true, force: true });
    rmSync(emit, { recursive: true, force: true });
  }
});
