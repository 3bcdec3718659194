// Which file a path named when the state database was opened (device and inode), so a long-running aegis can tell
// that the file was deleted or replaced under it (it would otherwise keep writing to the unlinked file while every
// other aegis process uses a new one). One stat per check; it must not open, read or repair the database.

import { statSync } from "node:fs";
import { AegisError, errorMessage } from "../util/errors.ts";

export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file at `path` now; undefined for ":memory:" or when there is no such file. */
export function fileIdentity(path: string): FileIdentity | undefined {
  if (path === ":memory:") return undefined;
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? { dev: st.dev, ino: st.ino } : undefined;
}

/** Throws E_STATE unless `path` still names the file that was `opened`. */
export function checkSameFile(path: string, opened: FileIdentity | undefined): void {
  if (!opened) return;
  let now: FileIdentity | undefined;
  try {
    now = fileIdentity(path);
  } catch (err) {
    // A stat that fails for another reason (permissions changed on a folder) means the path is no longer usable either.
    throw replaced(path, errorMessage(err), err);
  }
  if (!now) throw replaced(path, "the file no longer exists");
  if (now.dev !== opened.dev || now.ino !== opened.ino) throw replaced(path, "the path now names another file");
}

function replaced(path: string, why: string, cause?: unknown): AegisError {
  return new AegisError("E_STATE", `the state database ${path} was removed or replaced while aegis was running (${why})`, {
    data: { path },
    hint: "work done since then went to the old file and is lost; restart aegis to use the database now at that path",
    ...(cause === undefined ? {} : { cause }),
  });
}
