// What `aegis migrate --to/--from` accepts (#15): a postgres:// or postgresql:// URL, or a SQLite path (a folder means
// its state.db); anything else is a usage error that never repeats the password; two spellings of one database are
// recognised as the same (so a copy onto itself is refused).

import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { describeLocation, parseStoreLocation, sameLocation } from "../../src/store/location.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";

test("URLs and paths parse into locations; a folder means its state.db (#15)", () => {
  using dir = tempDir("aegis-location");
  mkdirSync(dir.join("state"));
  expect(parseStoreLocation("postgresql://u:p@db:5433/x", dir.path, "--to")).toEqual({ kind: "postgres", url: "postgresql://u:p@db:5433/x" });
  expect(parseStoreLocation("state", dir.path, "--to")).toEqual({ kind: "sqlite", path: dir.join("state", "state.db") });
  expect(parseStoreLocation(" other.db ", dir.path, "--to")).toEqual({ kind: "sqlite", path: dir.join("other.db") });
  expect(describeLocation({ kind: "postgres", url: "postgres://u:s3cret@db/x" })).toBe("postgres://u:***@db/x");
});

test("other schemes, unparsable URLs and empty text are usage errors without the password (#15)", () => {
  for (const [text, part] of [["mysql://u:s3cret@db/x", "must start with postgres://"], ["postgres://u:s3cret@[bad/x", "not a URL"], ["  ", "is empty"]] as const) {
    const err = (() => {
      try {
        parseStoreLocation(text, "/", "--to");
      } catch (e) {
        return e as { code: string; message: string };
      }
    })();
    expect(err?.code).toBe("E_USAGE");
    expect(err?.message).toContain(part);
    expect(err?.message).not.toContain("s3cret");
  }
});

test("the same database spelled two ways is the same location (#15)", () => {
  const pg = (url: string) => ({ kind: "postgres" as const, url });
  expect(sameLocation(pg("postgres://a:1@DB.example/x"), pg("postgresql://b:2@db.example:5432/x"))).toBe(true);
  expect(sameLocation(pg("postgres://a@db/a"), pg("postgres://a@db"))).toBe(true); // no database: the user's name
  expect(sameLocation(pg("postgres://a@db/x"), pg("postgres://a@db/y"))).toBe(false);
  expect(sameLocation(pg("postgres://a@db:5432/x"), pg("postgres://a@db:5433/x"))).toBe(false);
  expect(sameLocation({ kind: "sqlite", path: "/p/state.db" }, { kind: "sqlite", path: "/p/state.db" })).toBe(true);
  expect(sameLocation({ kind: "sqlite", path: "/p/state.db" }, pg("postgres://a@db/x"))).toBe(false);
});
