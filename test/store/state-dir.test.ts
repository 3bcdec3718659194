import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { writeProjectTypes } from "../../src/cli/public-types.ts";
import { ensureStateDir } from "../../src/store/state-dir.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir } from "../fixtures/helpers/temp-dir.ts";

function gitStatus(cwd: string): string {
  const init = Bun.spawnSync(["git", "init", "-q"], { cwd });
  expect(init.exitCode).toBe(0);
  const p = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=all"], { cwd });
  expect(p.exitCode).toBe(0);
  return p.stdout.toString();
}

describe("the state folder (#9)", () => {
  test("a state database created in a git project leaves git status clean", () => {
    using dir = tempDir("state-dir");
    writeFileSync(dir.join("README.md"), "x\n");
    const s = openStore(dir.join(".aegis", "state.db"));
    s.close();
    expect(existsSync(dir.join(".aegis", "state.db"))).toBe(true);
    expect(gitStatus(dir.path).trim()).toBe("?? README.md");
  });

  test("generated types written into a fresh project are ignored by git as well", () => {
    using dir = tempDir("state-dir");
    const file = writeProjectTypes(dir.path, "declare module 'x' {}\n");
    expect(readFileSync(file, "utf8")).toContain("declare module");
    expect(gitStatus(dir.path)).toBe("");
  });

  test("an existing state folder is left as the user keeps it (a deleted .gitignore is not put back)", () => {
    using dir = tempDir("state-dir");
    ensureStateDir(dir.join(".aegis"));
    rmSync(dir.join(".aegis", ".gitignore"));
    ensureStateDir(dir.join(".aegis"));
    mkdirSync(dir.join(".aegis", "types"), { recursive: true });
    expect(existsSync(dir.join(".aegis", ".gitignore"))).toBe(false);
  });
});
