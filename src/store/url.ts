// Database URLs (#15): checking what `store.url` or AEGIS_DATABASE_URL holds, and the only form in which aegis ever
// prints one: with its password replaced by ***. No connection is made here.

/**
 * `postgres://user:secret@host/db` → `postgres://user:***@host/db`: the only form of a database URL aegis prints. A
 * password given as a query parameter (`?password=…`, `sslpassword=…`, as libpq takes them) is hidden too.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    for (const key of [...u.searchParams.keys()]) if (/pass(word)?$/i.test(key)) u.searchParams.set(key, "***");
    return u.toString();
  } catch {
    return "<an unparsable database URL>";
  }
}

/** Why `url` is not a PostgreSQL URL aegis can use (a sentence naming it redacted), or undefined if it is one. */
export function pgUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "must be a URL like postgres://user:password@host:5432/dbname; got a string that is not a URL";
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    return `must start with postgres:// or postgresql:// (PostgreSQL is the only database server aegis supports); got ${redactUrl(url)}`;
  }
  if (!u.hostname && !u.searchParams.get("host")) return `must name a host, e.g. postgres://user@db.example:5432/aegis; got ${redactUrl(url)}`;
  return undefined;
}
