// Bundles the declaration files tsc emits for src/index.ts into ONE self-contained module declaration: the public
// types that `aegis init` writes to `.aegis/types/aegis.d.ts`, and that the npm package points its "types" at.
// Each internal module becomes a private `declare namespace _<path>` (a namespace keeps its module's scope, so names
// never clash); imports between modules become `import X = _<path>.Y` aliases; src/index.ts's own statements form
// the top level. Only declarations the public surface reaches are kept, so a module may use zod or Bun internally as
// long as nothing public mentions them. It must not guess: an import of a package, a default export or an
// `export *` is an error naming the module, since the result has to type-check with no node_modules at all.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

interface Stmt {
  /** The statement with its leading comments, as emitted. */
  text: string;
  /** Comments removed; string literals kept (for import specifiers). */
  code: string;
  /** Comments and string literals blanked (for scanning identifiers). */
  bare: string;
  needed: boolean;
}

interface Binding { spec: string; imported: string }

interface Module {
  file: string;
  ns: string;
  stmts: Stmt[];
  /** Declared names (merged declarations and overloads share a name). */
  locals: Map<string, Stmt[]>;
  /** Local alias → what it imports. `imported` is "*" for `import * as`. */
  imports: Map<string, Binding & { stmt: Stmt; needed: boolean }>;
  /** Exported name → what it re-exports. */
  reexports: Map<string, Binding & { stmt: Stmt; needed: boolean }>;
}

const BLOCK_KINDS = new Set(["class", "interface", "namespace", "module", "enum", "global"]);
const DECL = /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(class|interface|type|function|const|let|var|enum|namespace)\s+([A-Za-z_$][\w$]*)/;

/** Splits declaration-file text into top-level statements (tsc's output: one statement after another). */
export function splitStatements(src: string): Stmt[] {
  const stmts: Stmt[] = [];
  let i = 0;
  while (i < src.length) {
    const start = i;
    let code = "";
    let bare = "";
    let depth = 0;
    let kind: string | undefined;
    let ended = false;
    while (i < src.length && !ended) {
      const c = src[i]!;
      if (c === "/" && src[i + 1] === "/") {
        const e = src.indexOf("\n", i);
        i = e < 0 ? src.length : e;
        continue;
      }
      if (c === "/" && src[i + 1] === "*") {
        const e = src.indexOf("*/", i + 2);
        i = e < 0 ? src.length : e + 2;
        code += " ";
        bare += " ";
        continue;
      }
      if (c === '"' || c === "'" || c === "`") {
        const e = endOfString(src, i);
        code += src.slice(i, e);
        bare += c === "`" ? templateHoles(src.slice(i, e)) : `${c}${c}`;
        i = e;
        continue;
      }
      if (kind === undefined && /\S/.test(c)) kind = headKind(src.slice(i, i + 80));
      code += c;
      bare += c;
      i++;
      if (c === "{" || c === "(" || c === "[") depth++;
      else if (c === "}" || c === ")" || c === "]") {
        depth--;
        if (c === "}" && depth === 0 && kind && BLOCK_KINDS.has(kind) && /^[ \t]*(\r?\n|$)/.test(src.slice(i))) ended = true;
      } else if (c === ";" && depth === 0) ended = true;
    }
    if (!code.trim()) break; // trailing comments or whitespace
    stmts.push({ text: src.slice(start, i).replace(/^\s*\n/, ""), code: code.trim(), bare, needed: false });
  }
  return stmts;
}

function headKind(head: string): string {
  const h = head.replace(/^(export\s+|declare\s+|abstract\s+|default\s+)+/, "");
  return /^[\w$]+/.exec(h)?.[0] ?? "";
}

function endOfString(src: string, i: number): number {
  const q = src[i];
  let depth = 0;
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j];
    if (c === "\\") j++;
    else if (q === "`" && c === "$" && src[j + 1] === "{") { depth++; j++; }
    else if (q === "`" && depth > 0 && c === "}") depth--;
    else if (c === q && depth === 0) return j + 1;
  }
  throw new Error(`unterminated string literal at offset ${i}`);
}

/** A template literal type with only its `${…}` holes kept: they may name types. */
function templateHoles(t: string): string {
  return [...t.matchAll(/\$\{([^}]*)\}/g)].map((m) => ` ${m[1]} `).join("") || "``";
}

function parseBindings(list: string): Array<{ imported: string; local: string }> {
  return list.split(",").map((s) => s.trim().replace(/^type\s+/, "")).filter(Boolean).map((s) => {
    const m = /^([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(s);
    if (!m) throw new Error(`cannot read the binding "${s}"`);
    return { imported: m[1]!, local: m[2] ?? m[1]! };
  });
}

function loadModule(file: string, root: string): Module {
  const rel = relative(root, file).replace(/(\/index)?\.d\.ts$/, "");
  const mod: Module = {
    file, ns: `_${rel.replace(/[^\w$]/g, "_")}`, stmts: splitStatements(readFileSync(file, "utf8")),
    locals: new Map(), imports: new Map(), reexports: new Map(),
  };
  const where = relative(root, file);
  for (const s of mod.stmts) {
    const c = s.code;
    let m: RegExpExecArray | null;
    if ((m = /^import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["'];?$/.exec(c))) {
      for (const b of parseBindings(m[1]!)) mod.imports.set(b.local, { spec: m[2]!, imported: b.imported, stmt: s, needed: false });
    } else if ((m = /^import\s+(?:type\s+)?\*\s+as\s+([\w$]+)\s+from\s*["']([^"']+)["'];?$/.exec(c))) {
      mod.imports.set(m[1]!, { spec: m[2]!, imported: "*", stmt: s, needed: false });
    } else if ((m = /^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["'];?$/.exec(c))) {
      for (const b of parseBindings(m[1]!)) mod.reexports.set(b.local, { spec: m[2]!, imported: b.imported, stmt: s, needed: false });
    } else if (/^export\s*\{\s*\};?$/.test(c)) {
      // `export {}` only marks the file as a module: dropped (the bundle ends with its own)
    } else if ((m = DECL.exec(c))) {
      const list = mod.locals.get(m[2]!) ?? [];
      list.push(s);
      mod.locals.set(m[2]!, list);
    } else {
      throw new Error(`${where}: unsupported statement in the public types (no import default, export *, export =, local export lists): ${c.slice(0, 120)}`);
    }
  }
  return mod;
}

/** Bundles `entry` (an emitted index.d.ts) and the modules it reaches into one module declaration's text. */
export function bundleDeclarations(entry: string): string {
  const root = dirname(entry);
  const modules = new Map<string, Module>();
  const get = (file: string): Module => {
    let m = modules.get(file);
    if (m) return m;
    m = loadModule(file, root);
    const clash = [...modules.values()].find((o) => o.ns === m!.ns);
    if (clash) throw new Error(`${relative(root, file)} and ${relative(root, clash.file)} would share the namespace ${m.ns}; rename one`);
    modules.set(file, m);
    return m;
  };
  const target = (from: Module, spec: string): Module => {
    if (!spec.startsWith(".")) {
      throw new Error(`${relative(root, from.file)}: the public types import the package "${spec}"; keep it out of what src/index.ts exports (move the type into a module without it)`);
    }
    const base = join(dirname(from.file), spec).replace(/\.(d\.ts|ts|js)$/, "");
    const file = [`${base}.d.ts`, join(base, "index.d.ts")].find((f) => existsSync(f));
    if (!file) throw new Error(`${relative(root, from.file)}: cannot find the module "${spec}"`);
    return get(file);
  };

  const queue: Array<() => void> = [];
  const include = (mod: Module, s: Stmt): void => {
    if (s.needed) return;
    s.needed = true;
    queue.push(() => scan(mod, s));
  };
  const need = (mod: Module, name: string): void => {
    if (name === "*") return mod.stmts.forEach((s) => include(mod, s));
    const decls = mod.locals.get(name);
    if (decls) return decls.forEach((s) => include(mod, s));
    const re = mod.reexports.get(name);
    if (!re) throw new Error(`${relative(root, mod.file)}: nothing named "${name}" to import`);
    if (!re.needed) { re.needed = true; need(target(mod, re.spec), re.imported); }
  };
  const scan = (mod: Module, s: Stmt): void => {
    for (const m of s.code.matchAll(/import\(\s*["']([^"']+)["']\s*\)(?:\.([\w$]+))?/g)) need(target(mod, m[1]!), m[2] ?? "*");
    for (const m of s.bare.matchAll(/(?<![\w$.])[A-Za-z_$][\w$]*(?![\w$]|\??:)/g)) {
      const name = m[0];
      const imp = mod.imports.get(name);
      if (imp && !imp.needed) { imp.needed = true; need(target(mod, imp.spec), imp.imported); }
      else if (!imp) mod.locals.get(name)?.forEach((d) => include(mod, d));
    }
  };

  const index = get(entry);
  for (const s of index.stmts) include(index, s);
  for (const name of index.reexports.keys()) need(index, name);
  while (queue.length) queue.shift()!();

  const out: string[] = [emitModule(index, target, false)];
  for (const mod of modules.values()) {
    if (mod === index || !mod.stmts.some((s) => s.needed) && ![...mod.reexports.values()].some((r) => r.needed)) continue;
    out.push(`declare namespace ${mod.ns} {\n${indent(emitModule(mod, target, true))}\n}`);
  }
  out.push("export {};");
  return `${out.join("\n\n")}\n`;
}

function emitModule(mod: Module, target: (from: Module, spec: string) => Module, inNamespace: boolean): string {
  const lines: string[] = [];
  for (const s of mod.stmts) {
    const aliases = [...mod.imports.entries()].filter(([, b]) => b.stmt === s && b.needed)
      .map(([local, b]) => `import ${local} = ${qualified(target(mod, b.spec), b.imported)};`);
    const exports = [...mod.reexports.entries()].filter(([, b]) => b.stmt === s && b.needed)
      .map(([name, b]) => `export import ${name} = ${qualified(target(mod, b.spec), b.imported)};`);
    if (aliases.length || exports.length) {
      lines.push(`${leadingComments(s.text)}${[...aliases, ...exports].join("\n")}`);
      continue;
    }
    // Import and re-export statements are replaced by their aliases above (none when no binding is needed).
    const binds = [...mod.imports.values(), ...mod.reexports.values()].some((b) => b.stmt === s);
    if (!s.needed || binds || /^export\s*\{\s*\};?$/.test(s.code)) continue;
    let text = s.text.replace(/import\(\s*["']([^"']+)["']\s*\)/g, (_, spec: string) => target(mod, spec).ns);
    // Inside `declare namespace` everything is already ambient: a second `declare` is an error there.
    if (inNamespace) text = text.replace(/^((?:[ \t]*(?:\/\/[^\n]*|\/\*[\s\S]*?\*\/)[ \t]*\n?)*[ \t]*)(export\s+)?declare\s+/, "$1$2");
    lines.push(text.trimEnd());
  }
  return lines.join("\n");
}

function qualified(mod: Module, name: string): string {
  return name === "*" ? mod.ns : `${mod.ns}.${name}`;
}

function leadingComments(text: string): string {
  const m = /^(\s*(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/\s*\n))*/.exec(text);
  return m?.[0].replace(/^\s*\n/, "") ?? "";
}

function indent(text: string): string {
  return text.split("\n").map((l) => (l ? `    ${l}` : l)).join("\n");
}
