#!/usr/bin/env bun
// Generates dist/types/aegis.d.ts: the public "aegis" module's types in one self-contained file (no zod, no
// bun-types), from src/index.ts. tsc emits the declarations, scripts/dts-bundle.ts folds them into one module, and
// tsc then checks that file alone with no node_modules in sight (DOM + ES libs only), so what ships always compiles.
// The compiled binary embeds it (src/cli/public-types.ts) for `aegis init`; `npm pack` ships it as the package's types.
// `bun scripts/public-types.ts` regenerates it; ensurePublicTypes() does so only when a source file is newer.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { bundleDeclarations } from "./dts-bundle.ts";
import { expandZodTypes } from "./zod-types.ts";

const ROOT = join(import.meta.dir, "..");
export const PUBLIC_TYPES_FILE = join(ROOT, "dist", "types", "aegis.d.ts");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** The header's marker line: aegis compares it with the embedded copy's to know when a project's file is stale. */
export const TYPES_MARKER = "// aegis-types:";

/** Runs tsc; returns its diagnostics ("" when clean). Throws on errors unless `allowErrors`. */
async function tsc(args: string[], cwd: string, opts: { allowErrors?: boolean } = {}): Promise<string> {
  if (!existsSync(TSC)) throw new Error(`generating the public types needs TypeScript (${TSC}); run npm install`);
  const p = Bun.spawn([process.execPath, TSC, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if (code !== 0 && !opts.allowErrors) throw new Error(`tsc ${args.join(" ")} failed (exit ${code}):\n${stdout}${stderr}`);
  return code === 0 ? "" : `${stdout}${stderr}`.trim();
}

/** The bundled declarations for the given package version, checked by tsc on their own. */
export async function generatePublicTypes(version: string): Promise<string> {
  // Under the repo (dist/ is ignored), so the emit resolves bun-types and the packages as the repo's own tsc does.
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  const tmp = mkdtempSync(join(ROOT, "dist", ".types-"));
  try {
    const emit = join(tmp, "emit");
    writeFileSync(join(tmp, "tsconfig.json"), JSON.stringify({
      extends: join(ROOT, "tsconfig.json"),
      compilerOptions: {
        noEmit: false, declaration: true, emitDeclarationOnly: true, stripInternal: true,
        outDir: emit, rootDir: join(ROOT, "src"),
      },
      files: [join(ROOT, "src", "index.ts")], include: [],
    }));
    // A type error elsewhere in src/ still emits every declaration; the bundle is checked on its own below.
    const emitted = await tsc(["-p", join(tmp, "tsconfig.json")], ROOT, { allowErrors: true });
    if (!existsSync(join(emit, "index.d.ts"))) throw new Error(`tsc emitted no declarations for src/index.ts:\n${emitted}`);
    if (emitted) console.error(`warning: tsc reported errors while emitting the public types (the bundle is checked on its own):\n${emitted.split("\n").slice(0, 10).join("\n")}`);
    // Config types are inferred from zod in src/; the public file spells them out (it must not need zod).
    const { problems } = await expandZodTypes(emit, join(ROOT, "src"));
    let body: string;
    try {
      body = bundleDeclarations(join(emit, "index.d.ts"));
    } catch (err) {
      if (!problems.length) throw err;
      throw new Error(`${(err as Error).message}\nzod-inferred types that could not be spelled out:\n  ${problems.join("\n  ")}`);
    }
    const hash = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 16);
    const text = `// The types of the "aegis" module, generated from aegis's src/index.ts. Do not edit: aegis rewrites this file
// when its version changes. Map "aegis" to it in tsconfig.json ("paths"), as \`aegis init\` does.
${TYPES_MARKER} version ${version}, sha256 ${hash}
${body}`;
    await checkAlone(text);
    return text;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Type-checks the bundle with no packages: strict, no skipLibCheck, plus a file that uses it the way users do. */
async function checkAlone(text: string): Promise<void> {
  // Outside the repo: no node_modules above it that could lend zod or bun-types to the check.
  const dir = mkdtempSync(join(tmpdir(), "aegis-types-alone-"));
  try {
    writeFileSync(join(dir, "aegis.d.ts"), text);
    writeFileSync(join(dir, "use.ts"), `import { defineConfig, Scripted, workflow, run, type WorkflowEngine } from "aegis";
export const c = defineConfig({ agents: { demo: { provider: new Scripted({ reply: (p) => p }) } } });
export const w = workflow("w", async (e: WorkflowEngine) => e.send(await e.spawn("demo"), "hi"));
export const r: Promise<string> = run(w);
`);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "ESNext", module: "Preserve", moduleResolution: "bundler", lib: ["ESNext", "DOM"], types: [],
        strict: true, noEmit: true, skipLibCheck: false, verbatimModuleSyntax: true, isolatedModules: true,
        paths: { aegis: ["./aegis.d.ts"] }, typeRoots: [],
      },
      files: ["aegis.d.ts", "use.ts"],
    }));
    await tsc(["-p", join(dir, "tsconfig.json")], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Regenerates dist/types/aegis.d.ts unless it is newer than src/, package.json and these scripts. */
export async function ensurePublicTypes(): Promise<string> {
  const inputs = Math.max(newestSource(join(ROOT, "src")), ...["package.json", "tsconfig.json", "scripts/dts-bundle.ts", "scripts/public-types.ts", "scripts/zod-types.ts"]
    .map((f) => statSync(join(ROOT, f)).mtimeMs));
  if (existsSync(PUBLIC_TYPES_FILE) && statSync(PUBLIC_TYPES_FILE).mtimeMs >= inputs) return PUBLIC_TYPES_FILE;
  const { version } = await Bun.file(join(ROOT, "package.json")).json() as { version: string };
  await writeTypesFile(await generatePublicTypes(version));
  return PUBLIC_TYPES_FILE;
}

/** Written whole or not at all: builds and tests may generate it at the same time. */
async function writeTypesFile(text: string): Promise<void> {
  mkdirSync(dirname(PUBLIC_TYPES_FILE), { recursive: true });
  const tmp = `${PUBLIC_TYPES_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, PUBLIC_TYPES_FILE);
}

if (import.meta.main) {
  const started = performance.now();
  const { version } = await Bun.file(join(ROOT, "package.json")).json() as { version: string };
  const text = await generatePublicTypes(version);
  await writeTypesFile(text);
  console.error(`wrote ${PUBLIC_TYPES_FILE} (${text.length} bytes, ${Math.round(performance.now() - started)} ms)`);
}
