// One error code per failure, every code in ERROR_CODES, one helper for an error's message (#10).

import { expect, test } from "bun:test";
import { Glob } from "bun";
import { AegisError, ERROR_CODES, errorMessage, formatError, notFound } from "../../src/util/errors.ts";

const ROOT = `${import.meta.dir}/../..`;
/** Codes that appear in src/ but are not aegis's: citty's own parse-error codes, which root.ts translates. */
const FOREIGN = new Set(["E_UNKNOWN_COMMAND", "E_NO_COMMAND"]);

test("every error code written in src/ is in ERROR_CODES (#10)", async () => {
  const unknown: string[] = [];
  for await (const file of new Glob("src/**/*.ts").scan({ cwd: ROOT })) {
    const text = await Bun.file(`${ROOT}/${file}`).text();
    for (const m of text.matchAll(/["'`](E_[A-Z][A-Z_]*)["'`]/g)) {
      const code = m[1]!;
      if (!FOREIGN.has(code) && !(ERROR_CODES as readonly string[]).includes(code)) unknown.push(`${file}: ${code}`);
    }
  }
  expect(unknown).toEqual([]);
});

test("an unknown agent, queue or workflow is E_NOT_FOUND wherever it is named, through notFound (#10)", async () => {
  const places: string[] = [];
  for await (const file of new Glob("src/**/*.ts").scan({ cwd: ROOT })) {
    const text = await Bun.file(`${ROOT}/${file}`).text();
    // A hand-built error for these: `new AegisError("E_…", `unknown queue "…"`)` and the like.
    if (/new \w*Error\([^;]*unknown (agent|queue|workflow) "/.test(text)) places.push(file);
  }
  expect(places).toEqual([]);
  const e = notFound("agent", "dmeo", ["demo", "x"], '; did you mean "demo"?');
  expect(e).toMatchObject({ code: "E_NOT_FOUND", message: 'unknown agent "dmeo"; did you mean "demo"? (known: demo, x)', data: { agent: "dmeo", known: ["demo", "x"] } });
  expect(notFound("queue", "q", []).message).toBe('unknown queue "q" (known: none)');
});

test("errorMessage: the bare message of anything thrown (#10)", () => {
  expect(errorMessage(new AegisError("E_STATE", "boom", { hint: "h" }))).toBe("boom");
  expect(errorMessage(new TypeError("bad"))).toBe("bad");
  expect(errorMessage({ message: "like an error" })).toBe("like an error");
  expect(errorMessage("plain")).toBe("plain");
  expect(errorMessage(undefined)).toBe("undefined");
  expect(formatError(new AegisError("E_STATE", "boom", { hint: "h" }))).toBe("boom\n  hint: h");
});
