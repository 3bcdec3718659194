// A state database that is not a usable SQLite file (overwritten, pages clobbered) is refused with one clear E_STATE
// error naming the file and how to start fresh, from openStore and from the aegis commands that read it: no raw
// SQLiteError, no stack trace.

import { describe, expect, test } from "bun:test";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { openStore } from "../../src/store/store.ts";
import { tempDir, type TempDir } from "../fixtures/helpers/temp-dir.ts";
import { aegisChild, writeProject } from "../queue/fixtures/project.ts";

/** A real state database with some rows, checkpointed into the main file and closed. */
function seeded(dir: TempDir): string {
  const path = dir.join("state", "state.db");
  const s = openStore(path);
  for (let i = 0; i < 100; i++) s.write(() => s.db.query("INSERT INTO owners (id, pid, host, proc_start, started_at) VALUES (?, 1, 'h', NULL, 0)").run(`own_${i}_${"x".repeat(400)}`));
  s.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  s.close();
  return path;
}

/** Overwrites `pages` 4 KiB pages from the second one on with junk, as a disk or a stray write might. */
function clobber(path: string, pages: number): void {
  const fd = openSync(path, "r+");
  const junk = Buffer.alloc(4096 * pages, 0x5a);
  writeSync(fd, junk, 0, junk.length, 4096);
  closeSync(fd);
}

function refusal(path: string) {
  return expect.objectContaining({
    code: "E_STATE",
    message: expect.stringContaining(`${path} is not a usable aegis state database`),
    hint: expect.stringContaining(`mv ${path} ${path}.broken`),
  });
}

describe("(#2) a corrupt state database", () => {
  test("a file that is not a database at all", () => {
    using dir = tempDir("corrupt");
    mkdirSync(dir.join("state"));
    const path = dir.join("state", "state.db");
    writeFileSync(path, "x\n");
    expect(() => openStore(path)).toThrow(refusal(path));
  });

  test("a database whose pages were overwritten (malformed), a few pages or most of them", () => {
    for (const pages of [1, 30]) {
      using dir = tempDir("corrupt");
      const path = seeded(dir);
      clobber(path, pages);
      expect(() => openStore(path)).toThrow(refusal(path));
    }
  });

  test("aegis tasks, runs and run print the refusal and its hint, exit 1, and show no stack", async () => {
    using dir = tempDir("corrupt-cli");
    const project = writeProject(dir.path, { delayMs: 0, maxParallel: 1 });
    const stateDir = dir.join("state");
    mkdirSync(stateDir);
    const path = `${stateDir}/state.db`;
    writeFileSync(path, "x\n");
    writeFileSync(dir.join("hello.ts"), `import { workflow } from "aegis";\nworkflow("hello", async () => "hi");\n`);
    for (const args of [["tasks"], ["runs"], ["run", "hello.ts"]]) {
      const p = aegisChild(project, args, project.env(stateDir, dir.join("journal.log")));
      const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()]);
      expect({ args, code }).toEqual({ args, code: 1 });
      expect(stderr).toContain(`aegis: ${path} is not a usable aegis state database`);
      expect(stderr).toContain(`hint: move it aside to start fresh: mv ${path} ${path}.broken`);
      expect(stderr).not.toContain("SQLiteError");
      expect(stderr).not.toMatch(/^\s+at /m);
    }
    expect(readFileSync(path, "utf8")).toBe("x\n"); // refused, not "repaired" by overwriting it
  }, 20_000);
});
