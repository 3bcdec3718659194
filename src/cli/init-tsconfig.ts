// The tsconfig.json `aegis init` leaves in a project, so `.aegis.ts`, workflows (and with --script, aegis.ts)
// type-check and complete in an editor. Two flavours: "binary" maps "aegis" to the generated .aegis/types/aegis.d.ts
// (no node_modules needed); "script" leaves "aegis" to node_modules (the aegis-harness package under the alias), so
// the editor's types are those of the installed version, and removes a mapping to the .d.ts an earlier init added.
// An existing tsconfig.json is merged, never replaced; one with comments is left untouched and the change explained.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { PROJECT_TYPES_PATH } from "./public-types.ts";

export type TsconfigMode = "binary" | "script";

export interface TsconfigOutcome {
  file: string;
  action: "wrote" | "merged" | "unchanged" | "left";
  /** What was changed, or (action "left") what the user should change by hand. */
  notes: string[];
}

type Json = Record<string, unknown>;

/** The files each flavour must cover; globs never match a dot-file, so `.aegis.ts` is always named. */
function wantedIncludes(mode: TsconfigMode): string[] {
  return mode === "script" ? ["aegis.ts", ".aegis.ts", "workflows"] : [".aegis.ts", "workflows"];
}

function freshTsconfig(mode: TsconfigMode): Json {
  return {
    compilerOptions: {
      target: "ESNext",
      module: "Preserve",
      moduleResolution: "bundler",
      // DOM for AbortSignal and console; for Bun's own APIs add @types/bun (`bun add -d @types/bun`).
      lib: ["ESNext", "DOM"],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      ...(mode === "binary" ? { paths: { aegis: [`./${PROJECT_TYPES_PATH}`] } } : {}),
    },
    include: wantedIncludes(mode),
  };
}

/** Writes or merges `dir`/tsconfig.json for the given flavour. */
export function setUpTsconfig(dir: string, mode: TsconfigMode): TsconfigOutcome {
  const file = join(dir, "tsconfig.json");
  if (!existsSync(file)) {
    writeFileSync(file, `${JSON.stringify(freshTsconfig(mode), null, 2)}\n`);
    return { file, action: "wrote", notes: [] };
  }
  const text = readFileSync(file, "utf8");
  let parsed: unknown;
  let strict = true;
  try {
    parsed = JSON.parse(text);
  } catch {
    strict = false;
    try {
      parsed = Bun.JSONC.parse(text);
    } catch (err) {
      return { file, action: "left", notes: [`it is not valid JSON (${(err as Error).message}); ${manualChange(dir, mode, {})}`] };
    }
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { file, action: "left", notes: [`it is not a JSON object; ${manualChange(dir, mode, {})}`] };
  }
  const config = parsed as Json;
  const inherited = inheritedKeys(config, mode);
  const notes = mergeInto(dir, config, mode);
  if (!notes.length) return { file, action: "unchanged", notes };
  // Set here, these would replace what the extended config defines (tsc does not merge them).
  if (inherited.length) {
    return { file, action: "left", notes: [`it extends ${JSON.stringify(config.extends)} and does not set ${inherited.join(" or ")} itself, so one set here would replace the inherited one; ${manualChange(dir, mode, parsed as Json)} (in the config that defines them)`] };
  }
  // Rewriting would drop the user's comments: say what to change instead.
  if (!strict) return { file, action: "left", notes: [`it has comments, so aegis did not rewrite it; ${manualChange(dir, mode, parsed as Json)}`] };
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? "  ";
  writeFileSync(file, `${JSON.stringify(config, null, indent)}\n`);
  return { file, action: "merged", notes };
}

/** The keys the flavour may need to set that a config with "extends" leaves to its base. */
function inheritedKeys(config: Json, mode: TsconfigMode): string[] {
  if (config.extends === undefined) return [];
  const options = (config.compilerOptions ?? {}) as Json;
  const keys: string[] = [];
  if (mode === "binary" && options.paths === undefined) keys.push("compilerOptions.paths");
  if (config.include === undefined && config.files === undefined) keys.push("include");
  return keys;
}

/** Applies the flavour's needs to `config` in place; returns what changed (empty: nothing to do). */
function mergeInto(dir: string, config: Json, mode: TsconfigMode): string[] {
  const notes: string[] = [];
  const options = (config.compilerOptions && typeof config.compilerOptions === "object" ? config.compilerOptions : {}) as Json;
  const paths = (options.paths && typeof options.paths === "object" ? options.paths : {}) as Record<string, unknown>;
  const target = typesTarget(dir, options);
  if (mode === "binary" && JSON.stringify(paths.aegis) !== JSON.stringify([target])) {
    paths.aegis = [target];
    notes.push(`compilerOptions.paths.aegis = ["${target}"]`);
  }
  if (mode === "script" && Array.isArray(paths.aegis) && paths.aegis.some((p) => String(p).endsWith(PROJECT_TYPES_PATH))) {
    delete paths.aegis;
    notes.push(`removed compilerOptions.paths.aegis (a script gets "aegis" and its types from node_modules)`);
  }
  if (notes.length) {
    options.paths = paths;
    config.compilerOptions = options;
  }
  const include = Array.isArray(config.include) ? config.include.map(String) : undefined;
  // With neither "include" nor "files", tsc takes "**/*", which (like every glob) never matches a dot-file.
  const current = include ?? (Array.isArray(config.files) ? [] : ["**/*"]);
  const coveredByGlob = (w: string) => !w.startsWith(".") && current.some((c) => c.startsWith("**"));
  const missing = wantedIncludes(mode).filter((w) => !current.includes(w) && !coveredByGlob(w));
  if (missing.length) {
    config.include = [...current, ...missing];
    notes.push(`include += ${missing.map((m) => JSON.stringify(m)).join(", ")}`);
  }
  return notes;
}

/** The "paths" entry for the types file: relative to baseUrl when one is set, else to the tsconfig's folder. */
function typesTarget(dir: string, options: Json): string {
  const base = typeof options.baseUrl === "string" ? resolve(dir, options.baseUrl) : dir;
  const rel = relative(base, join(dir, PROJECT_TYPES_PATH));
  return rel.startsWith("../") ? rel : `./${rel}`;
}

function manualChange(dir: string, mode: TsconfigMode, current: Json): string {
  if (mode === "script") {
    return `make sure compilerOptions.paths does not map "aegis" to ${PROJECT_TYPES_PATH}, and that "include" lists ${wantedIncludes(mode).map((w) => `"${w}"`).join(", ")}`;
  }
  const options = (current.compilerOptions ?? {}) as Json;
  return `add "aegis": ["${typesTarget(dir, options)}"] to compilerOptions.paths, and ${wantedIncludes(mode).map((w) => `"${w}"`).join(", ")} to "include"`;
}
