// The one mapping from tool outcomes to MCP results: data is JSON with an object at the top level (Gemini CLI turns
// JSON text into structuredContent, which must be a record), prose passes through, and errors become tool errors
// with their code, message and hint; unexpected errors are logged with their stack and never thrown.

import { describe, expect, test } from "bun:test";
import { errorResult, okResult, runTool } from "../../src/mcp/tool-result.ts";
import { AegisError } from "../../src/util/errors.ts";

const textOf = (r: { content: Array<{ text: string }> }) => r.content.map((c) => c.text).join("");

describe("okResult", () => {
  test("objects go out as JSON objects; arrays and scalars are wrapped so the top level is an object", () => {
    expect(JSON.parse(textOf(okResult({ a: 1 })))).toEqual({ a: 1 });
    expect(JSON.parse(textOf(okResult([1, 2])))).toEqual({ result: [1, 2] });
    expect(JSON.parse(textOf(okResult(42)))).toEqual({ result: 42 });
    expect(JSON.parse(textOf(okResult(undefined)))).toEqual({ result: null });
  });

  test("prose passes through; a string that is a JSON array or scalar is wrapped like one", () => {
    expect(textOf(okResult("You are alpha."))).toBe("You are alpha.");
    expect(textOf(okResult('{"x":1}'))).toBe('{"x":1}');
    expect(JSON.parse(textOf(okResult("[1]")))).toEqual({ result: "[1]" });
    expect(JSON.parse(textOf(okResult("true")))).toEqual({ result: "true" });
  });
});

describe("errors", () => {
  test("an AegisError becomes a tool error naming its code, message and hint", () => {
    const r = errorResult(new AegisError("E_BUDGET", "queue review is over budget", { hint: "wait until 12:00" }));
    expect(r.isError).toBe(true);
    expect(textOf(r)).toBe("E_BUDGET: queue review is over budget\n  hint: wait until 12:00");
  });

  test("runTool never rejects: an unexpected throw is an E_INTERNAL tool error, logged with its stack", async () => {
    const logs: string[] = [];
    const r = await runTool(() => {
      throw new TypeError("cannot read x of undefined");
    }, (l) => logs.push(l));
    expect(r).toEqual({ isError: true, content: [{ type: "text", text: "E_INTERNAL: cannot read x of undefined" }] });
    expect(logs[0]).toContain("TypeError: cannot read x of undefined");
    expect(logs[0]).toContain("tool-result.test.ts");
    expect(await runTool(async () => ({ ok: true }))).toEqual({ content: [{ type: "text", text: '{\n  "ok": true\n}' }] });
  });
});
