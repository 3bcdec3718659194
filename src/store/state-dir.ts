// The state folder (`.aegis/` under the project root by default): created on first use with a `.gitignore` that keeps
// everything in it out of git, since the database and the generated types are local to one machine (the types are
// written again by aegis when missing). An existing folder is left as the user keeps it: a deleted .gitignore is not
// put back.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const GITIGNORE = "# aegis's state and generated types: local to this machine, never committed\n*\n";

/** Creates `dir` (and its parents) if missing; a folder created here gets the ignore-everything .gitignore. */
export function ensureStateDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".gitignore"), GITIGNORE);
}
