// The public types in a user's project: `.aegis/types/aegis.d.ts`, which a tsconfig.json maps "aegis" to, so config
// and workflow files type-check and complete in an editor with only the aegis binary (no node_modules). The text
// comes from the binary (generated from src/index.ts at build time); a project's copy is rewritten when its marker
// line (version and hash) differs from the running aegis's. It must not touch a project that never asked for types.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensureStateDir } from "../store/state-dir.ts";
import { logger } from "../ui/log.ts";
import { AegisError } from "../util/errors.ts";

/** Where the types go, relative to the project root; tsconfig.json maps "aegis" here. */
export const PROJECT_TYPES_PATH = ".aegis/types/aegis.d.ts";
const MARKER = "// aegis-types:";

/** True inside the compiled executable (its modules live in Bun's embedded file system). */
const COMPILED = import.meta.path.startsWith("/$bunfs/") || /^[A-Za-z]:[\\/]~BUN[\\/]/.test(import.meta.path);
const SOURCE_ROOT = join(import.meta.dir, "..", "..");

async function embeddedTypes(): Promise<string | undefined> {
  if (!COMPILED && !existsSync(join(SOURCE_ROOT, "dist", "types", "aegis.d.ts"))) return undefined;
  return (await import("./public-types-embed.ts")).PUBLIC_TYPES;
}

/**
 * The public types of this aegis. From source (a checkout with TypeScript installed) they are regenerated first when
 * src/ changed since the last generation; the binary and the npm package carry them ready-made.
 */
export async function publicTypes(): Promise<string> {
  const generator = join(SOURCE_ROOT, "scripts", "public-types.ts");
  if (!COMPILED && existsSync(generator) && existsSync(join(SOURCE_ROOT, "node_modules", "typescript"))) {
    // A computed specifier: the build must not pull the generator (and tsc) into the binary.
    const { ensurePublicTypes } = (await import(generator)) as { ensurePublicTypes: () => Promise<string> };
    try {
      await ensurePublicTypes();
    } catch (err) {
      if (!existsSync(join(SOURCE_ROOT, "dist", "types", "aegis.d.ts"))) {
        throw new AegisError("E_INTERNAL", `could not generate the public types in ${SOURCE_ROOT}: ${(err as Error).message}`, {
          hint: "`bun scripts/public-types.ts` in the aegis checkout shows the whole error", cause: err,
        });
      }
      logger().warn(`could not regenerate the public types (${(err as Error).message.split("\n")[0]}); using the last generated ones`);
    }
  }
  const text = await embeddedTypes();
  if (text === undefined) {
    throw new AegisError("E_INTERNAL", `this copy of aegis (${SOURCE_ROOT}) has no public type declarations (dist/types/aegis.d.ts)`, {
      hint: "in an aegis checkout run `npm install`, then `bun scripts/public-types.ts`",
    });
  }
  return text;
}

function markerOf(text: string): string | undefined {
  return text.split("\n", 5).find((l) => l.startsWith(MARKER));
}

/** Writes the types into `root`'s .aegis/types/ (whole or not at all); returns the file. */
export function writeProjectTypes(root: string, text: string): string {
  const file = join(root, PROJECT_TYPES_PATH);
  ensureStateDir(join(root, ".aegis"));
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  return file;
}

/**
 * Brings a project's types up to date with this aegis: rewritten when their marker differs, or written when missing
 * while tsconfig.json maps "aegis" to them (a fresh clone, .aegis/ being ignored by git). A project without either is
 * left alone. A failure to write is a warning: the command itself does not depend on the types.
 */
export async function refreshProjectTypes(root: string): Promise<void> {
  const file = join(root, PROJECT_TYPES_PATH);
  const present = existsSync(file);
  if (!present && !tsconfigMapsTypes(root)) return;
  const text = await embeddedTypes();
  if (text === undefined) return; // running from a checkout that never generated them: nothing newer to offer
  const current = present ? markerOf(readFileSync(file, "utf8").slice(0, 2000)) : undefined;
  if (present && current === markerOf(text)) return;
  try {
    writeProjectTypes(root, text);
    logger().info(`${present ? "updated" : "wrote"} ${PROJECT_TYPES_PATH} (${markerOf(text)?.slice(MARKER.length).trim()})`);
  } catch (err) {
    logger().warn(`could not write ${file}: ${(err as Error).message}; editor types for "aegis" may be out of date`);
  }
}

function tsconfigMapsTypes(root: string): boolean {
  const tsconfig = join(root, "tsconfig.json");
  return existsSync(tsconfig) && readFileSync(tsconfig, "utf8").includes(PROJECT_TYPES_PATH);
}
