// Where a project's state lives (#15): a SQLite file or a PostgreSQL database, as the user writes it (`aegis migrate
// --to <url|path>`, AEGIS_DATABASE_URL, store.url) and as aegis prints it (the URL only ever with its password
// replaced by ***). Parsing and naming only: it opens nothing.

import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../util/errors.ts";
import type { StoreTarget } from "./open.ts";
import { pgUrlProblem, redactUrl } from "./url.ts";

export type StoreLocation = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/**
 * A location typed by the user: a `postgres://` / `postgresql://` URL, or a path to a SQLite file (relative to `cwd`;
 * an existing folder means its `state.db`). `what` names where the text came from, for the error.
 */
export function parseStoreLocation(text: string, cwd: string, what: string): StoreLocation {
  const t = text.trim();
  if (!t) throw new UsageError(`${what} is empty`, "give a postgres:// URL or the path of a SQLite state file");
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    const path = resolve(cwd, t);
    return { kind: "sqlite", path: existsSync(path) && statSync(path).isDirectory() ? join(path, "state.db") : path };
  }
  const problem = pgUrlProblem(t);
  if (problem) throw new UsageError(`${what} ${problem}`, "or give the path of a SQLite state file");
  return { kind: "postgres", url: t };
}

/** A location from the backend the config and environment choose (store/open.ts). */
export function locationOf(target: StoreTarget): StoreLocation {
  return target.backend === "sqlite" ? { kind: "sqlite", path: target.path } : { kind: "postgres", url: target.url };
}

/** How a location is printed: the file path, or the URL with its password hidden. */
export function describeLocation(loc: StoreLocation): string {
  return loc.kind === "sqlite" ? loc.path : redactUrl(loc.url);
}

/** Whether two locations name the same database (a PostgreSQL URL compared without its password). */
export function sameLocation(a: StoreLocation, b: StoreLocation): boolean {
  if (a.kind === "sqlite" || b.kind === "sqlite") return a.kind === b.kind && (a as { path: string }).path === (b as { path: string }).path;
  const key = (u: string) => {
    const x = new URL(u);
    return `${x.hostname.toLowerCase()}:${x.port || "5432"}/${decodeURIComponent(x.pathname.slice(1)) || decodeURIComponent(x.username)}`;
  };
  return key(a.url) === key(b.url);
}

