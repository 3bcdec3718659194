// Writes zod-inferred types out as plain TypeScript, so that the public types (scripts/public-types.ts) carry no zod.
// In src/, a config type is inferred from its schema (`const X = z.object(…); type X = z.input<typeof X>`); tsc's
// declarations keep that form, which would need zod to read. Before bundling, `expandZodTypes` rewrites each emitted
// `type X = z.input<typeof S>` (or z.infer / z.output) into the type S describes, with each field's `.describe()` text
// as its doc comment, and drops the declarations of the schema constants themselves. It imports the src modules to
// read their schemas (they do no work at import). A schema it cannot print is an error naming it, never a guess.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { z } from "zod";
import { splitStatements } from "./dts-bundle.ts";

type Mode = "input" | "output";
const IDENT = /^[A-Za-z_$][\w$]*$/;

/** The TypeScript type a zod schema describes: its input (what users write) or its output (after defaults). */
export function zodToTs(schema: z.ZodType, mode: Mode, indent = ""): string {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const inner = (key: string) => def[key] as z.ZodType;
  const meta = (schema as { meta?: () => Record<string, unknown> | undefined }).meta?.();
  if (typeof meta?.tsType === "string") return meta.tsType;
  switch (def.type) {
    case "string": return "string";
    case "number": case "int": return "number";
    case "boolean": return "boolean";
    case "null": return "null";
    case "undefined": return "undefined";
    case "unknown": return "unknown";
    case "any": return "any";
    case "never": return "never";
    case "literal": return (def.values as unknown[]).map((v) => JSON.stringify(v)).join(" | ");
    case "enum": return Object.values(def.entries as Record<string, string | number>).map((v) => JSON.stringify(v)).join(" | ");
    case "optional": return `${zodToTs(inner("innerType"), mode, indent)} | undefined`;
    case "nullable": return `${zodToTs(inner("innerType"), mode, indent)} | null`;
    case "default": case "prefault": case "catch":
      return mode === "input" ? `${zodToTs(inner("innerType"), mode, indent)} | undefined` : zodToTs(inner("innerType"), mode, indent);
    case "readonly": return `Readonly<${zodToTs(inner("innerType"), mode, indent)}>`;
    case "array": return `${wrap(inner("element"), mode, indent)}[]`;
    case "record": return `Record<${zodToTs(inner("keyType"), mode, indent)}, ${zodToTs(inner("valueType"), mode, indent)}>`;
    case "union": return (def.options as z.ZodType[]).map((o) => zodToTs(o, mode, indent)).join(" | ");
    case "intersection": return `${wrap(inner("left"), mode, indent)} & ${wrap(inner("right"), mode, indent)}`;
    case "pipe": return zodToTs(inner(mode === "input" ? "in" : "out"), mode, indent);
    case "object": return objectToTs(def.shape as Record<string, z.ZodType>, mode, indent);
    default:
      throw new Error(`cannot write the zod type "${def.type}" as TypeScript${meta ? "" : '; give the schema .meta({ tsType: "<a type name in scope>" })'}`);
  }
}

function objectToTs(shape: Record<string, z.ZodType>, mode: Mode, indent: string): string {
  const inner = `${indent}    `;
  const lines = Object.entries(shape).map(([key, field]) => {
    const optional = isOptional(field, mode);
    let type = zodToTs(field, mode, inner);
    if (optional) type = type.replace(/ \| undefined$/, "");
    const doc = (field as { description?: string }).description;
    const name = IDENT.test(key) ? key : JSON.stringify(key);
    return `${doc ? `${inner}/** ${doc.replace(/\*\//g, "*\\/")} */\n` : ""}${inner}${name}${optional ? "?" : ""}: ${type};`;
  });
  return lines.length ? `{\n${lines.join("\n")}\n${indent}}` : "{}";
}

function isOptional(field: z.ZodType, mode: Mode): boolean {
  const t = (field as unknown as { _zod: { def: { type: string } } })._zod.def.type;
  return t === "optional" || (mode === "input" && (t === "default" || t === "prefault" || t === "catch"));
}

/** The schema's type, parenthesised when it is a union (or could print as one) inside an array or intersection. */
function wrap(schema: z.ZodType, mode: Mode, indent: string): string {
  const t = zodToTs(schema, mode, indent);
  const def = (schema as unknown as { _zod: { def: { type: string } } })._zod.def;
  const meta = (schema as { meta?: () => Record<string, unknown> | undefined }).meta?.();
  const single = typeof meta?.tsType === "string" ? !/[|&]|=>/.test(t) : !/^(union|intersection|optional|nullable|default|prefault|catch|literal|enum)$/.test(def.type) || !t.includes("|");
  return single ? t : `(${t})`;
}

const ALIAS = /^(export\s+)?(declare\s+)?type\s+([\w$]+)\s*=\s*z\.(input|infer|output)<\s*typeof\s+([\w$]+)\s*>\s*;?$/;
const SCHEMA_CONST = /^(export\s+)?(declare\s+)?const\s+[\w$]+\s*:\s*z\./;

/**
 * Rewrites every declaration file under `emitDir` (emitted from `srcRoot`): zod-inferred aliases become plain types,
 * schema constants are dropped. An alias it cannot expand is left as it is (tsc emits internal modules too, and the
 * bundle keeps only what the public surface reaches); the reasons are returned, to explain a bundle that then needs zod.
 */
export async function expandZodTypes(emitDir: string, srcRoot: string): Promise<{ expanded: number; problems: string[] }> {
  let expanded = 0;
  const problems: string[] = [];
  for (const file of declarationFiles(emitDir)) {
    const text = readFileSync(file, "utf8");
    if (!/\bz\.(input|infer|output)</.test(text) && !/:\s*z\./.test(text)) continue;
    const source = join(srcRoot, relative(emitDir, file).replace(/\.d\.ts$/, ".ts"));
    const mod = (await import(source)) as Record<string, unknown>;
    const out: string[] = [];
    for (const stmt of splitStatements(text)) {
      const m = ALIAS.exec(stmt.code);
      if (m) {
        const schema = mod[m[5]!] as z.ZodType | undefined;
        const where = `${relative(srcRoot, source)}: type ${m[3]}`;
        if (!schema || typeof schema !== "object" || !("_zod" in schema)) {
          problems.push(`${where} is inferred from ${m[5]}, which the module does not export as a zod schema`);
          out.push(stmt.text);
          continue;
        }
        try {
          out.push(`${leadingComments(stmt.text)}${m[1] ?? ""}type ${m[3]} = ${zodToTs(schema, m[4] === "input" ? "input" : "output")};`);
          expanded++;
        } catch (err) {
          problems.push(`${where}: ${(err as Error).message}`);
          out.push(stmt.text);
        }
      } else if (!SCHEMA_CONST.test(stmt.code)) {
        out.push(stmt.text);
      }
    }
    writeFileSync(file, `${out.join("\n")}\n`);
  }
  return { expanded, problems };
}

/** The comments before a statement's code (its doc comment), kept with the rewritten statement. */
function leadingComments(text: string): string {
  const m = /^(?:\s*(?:\/\*[\s\S]*?\*\/|\/\/[^\n]*))*\s*/.exec(text.trimStart());
  return m ? m[0] : "";
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return declarationFiles(p);
    return e.name.endsWith(".d.ts") ? [p] : [];
  });
}
