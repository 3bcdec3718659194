// What an agent passes to aegis_claim, turned into the paths a claim holds: each one relative to the project root,
// normalized (no "./", "..", doubled or trailing slashes; "." is the whole tree), never outside the root, and each
// glob expanded to the files it matches at the time of the claim (a file created later is not covered: claim its
// folder for that). A path that exists, or has no wildcard and matches nothing, is taken literally, so names with
// brackets (app/[id]/page.tsx) can be claimed. It reads the tree only to expand globs and decides nothing about conflicts (src/store/claims.ts).

import { existsSync } from "node:fs";
import { isAbsolute, posix, relative, resolve } from "node:path";
import { AegisError } from "../util/errors.ts";

/** The most files one claim may hold after glob expansion: more than that is a folder's worth, so claim the folder. */
export const MAX_CLAIM_PATHS = 2000;

const GLOB_CHARS = /[*?[\]{}]/;
/** Folders a glob never descends into unless the pattern names them: tools' state, not the project's sources. */
const SKIPPED = [".git", "node_modules"];

/** `raw` relative to `root`, normalized; E_USAGE when it points outside the root. */
export function normalizeClaimPath(root: string, raw: string): string {
  const trimmed = raw.trim();
  const rel = isAbsolute(trimmed) ? relative(resolve(root), trimmed) : trimmed;
  let p = posix.normalize(rel.replaceAll("\\", "/"));
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  if (p === "" || p === "./") p = ".";
  if (p === ".." || p.startsWith("../") || isAbsolute(p)) {
    throw new AegisError("E_USAGE", `the path "${raw}" is outside the project root ${root}`, {
      data: { path: raw, root },
      hint: "claim paths relative to the project root, e.g. \"src/app.ts\" or \"src/\"",
    });
  }
  return p;
}

/** Expands globs and normalizes every path; duplicates are dropped, order kept. */
export async function resolveClaimPaths(root: string, raw: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const r of raw) {
    const p = normalizeClaimPath(root, r);
    // A path that exists is taken as it is, even with glob characters in its name (Next.js's app/[id]/page.tsx).
    if (!GLOB_CHARS.test(p) || existsSync(resolve(root, p))) out.add(p);
    else for (const f of await expandGlob(root, p, r)) out.add(f);
    if (out.size > MAX_CLAIM_PATHS) throw tooMany(r);
  }
  return [...out];
}

async function expandGlob(root: string, pattern: string, raw: string): Promise<string[]> {
  // Scan from the pattern's literal leading folders, not the whole tree.
  const parts = pattern.split("/");
  const lead = parts.findIndex((s) => GLOB_CHARS.test(s));
  const base = parts.slice(0, lead).join("/");
  const rest = parts.slice(lead).join("/");
  const named = SKIPPED.filter((d) => parts.includes(d));
  const found: string[] = [];
  try {
    for await (const f of new Bun.Glob(rest).scan({ cwd: resolve(root, base || "."), onlyFiles: true, dot: true, followSymlinks: false })) {
      const path = base ? `${base}/${f}` : f;
      if (path.split("/").some((s) => SKIPPED.includes(s) && !named.includes(s))) continue;
      found.push(path);
      if (found.length > MAX_CLAIM_PATHS) throw tooMany(raw);
    }
  } catch (err) {
    // A literal base folder that does not exist simply matches nothing.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (found.length === 0) {
    // Without a wildcard, brackets and braces more likely name a file about to be created (app/[id]/page.tsx).
    if (!/[*?]/.test(pattern)) return [pattern];
    throw new AegisError("E_USAGE", `the glob "${raw}" matches no file under ${root}`, {
      data: { path: raw, root },
      hint: "a glob is expanded to the files it matches now; to claim files you are about to create, claim them or their folder by path",
    });
  }
  return found.sort();
}

function tooMany(raw: string): AegisError {
  return new AegisError("E_USAGE", `the claim covers more than ${MAX_CLAIM_PATHS} files (at "${raw}")`, {
    data: { path: raw, max: MAX_CLAIM_PATHS },
    hint: "claim their folder instead: a folder path covers everything under it",
  });
}
