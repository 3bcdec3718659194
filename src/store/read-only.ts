// A read-only connection to the state database, shaped like a Store so the store's own query helpers work on it
// (aegis ui, #14). The UI watches processes that write this file: it must never take a write lock, so the connection is opened
// read-only (SQLite refuses any write on it) and its write methods throw. WAL readers never block writers.
// The database is created and migrated first (one short write) when it is missing or older than this aegis.

import { Database, type SQLQueryBindings, type Statement } from "bun:sqlite";
import { existsSync } from "node:fs";
import { AegisError, errorMessage } from "../util/errors.ts";
import { MIGRATIONS } from "./migrations.ts";
import { openStore, type Store } from "./store.ts";

export function openReadOnlyStore(path: string): Store {
  if (!existsSync(path) || schemaBehind(path)) openStore(path).close();
  let db: Database;
  try {
    db = new Database(path, { readonly: true, strict: true });
    db.run("PRAGMA busy_timeout = 2000");
  } catch (err) {
    throw new AegisError("E_STATE", `cannot open the state database ${path} for reading: ${errorMessage(err)}`, { cause: err });
  }
  const statements = new Map<string, Statement>();
  const version = db.prepare<{ data_version: number }, []>("PRAGMA data_version");
  const readOnly = (): never => {
    throw new AegisError("E_INTERNAL", "the UI's connection to the state database is read-only");
  };
  return {
    db,
    path,
    sql<R, P extends SQLQueryBindings[]>(text: string): Statement<R, P> {
      let st = statements.get(text);
      if (!st) statements.set(text, (st = db.prepare(text)));
      return st as unknown as Statement<R, P>;
    },
    batch: readOnly,
    write: readOnly,
    hold: readOnly,
    flush: () => undefined,
    dataVersion: () => version.get()?.data_version ?? 0,
    checkFile: () => undefined,
    schemaVersion: () => db.query<{ v: number | null }, []>("SELECT max(version) AS v FROM schema_version").get()?.v ?? 0,
    close: () => {
      for (const st of statements.values()) st.finalize();
      statements.clear();
      version.finalize();
      db.close();
    },
  };
}

function schemaBehind(path: string): boolean {
  const db = new Database(path, { readonly: true });
  try {
    const v = db.query<{ v: number | null }, []>("SELECT max(version) AS v FROM schema_version").get()?.v ?? 0;
    return v < MIGRATIONS.length;
  } catch {
    return true; // no schema_version table yet: a database no aegis has set up
  } finally {
    db.close();
  }
}
