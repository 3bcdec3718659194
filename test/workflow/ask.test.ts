// askHuman's routes, unit by unit: keys, option matching, the terminal prompt (re-asking until an answer fits),
// and the error naming --answer when nobody can be asked.
import { describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { AegisError } from "../../src/util/errors.ts";
import { askOnTerminal, matchOption, questionKey, resolveAnswer } from "../../src/workflow/ask.ts";

describe("askHuman routes", () => {
  test("keys and option matching", () => {
    expect(questionKey("Ship it now?")).toBe("ship-it-now");
    expect(questionKey("¿¡!")).toBe("answer");
    expect(matchOption(["Yes", "No"], "yes")).toBe("Yes");
    expect(matchOption(["Yes", "No"], " 2 ")).toBe("No");
    expect(matchOption(["Yes", "No"], "3")).toBeUndefined();
    expect(matchOption(undefined, " free text ")).toBe("free text");
  });

  test("the terminal prompt shows the options and asks again until the answer fits", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = "";
    output.on("data", (d: Buffer) => (shown += d.toString()));
    const ask = askOnTerminal({ input, output });
    const answer = ask({ question: "Deploy?", key: "deploy", options: ["staging", "prod"] }, new AbortController().signal);
    input.write("maybe\n");
    input.write("2\n");
    expect(await answer).toBe("prod");
    expect(shown).toContain("? Deploy?\n  1) staging\n  2) prod\n> ");
    expect(shown).toContain("please answer one of: staging, prod");
  });

  test("a closed terminal cannot answer; then the error names the flag", async () => {
    const input = new PassThrough();
    const ask = askOnTerminal({ input, output: new PassThrough() });
    const pending = resolveAnswer({ question: "Name?", key: "name" }, {}, ask, new AbortController().signal);
    input.end();
    await expect(pending).rejects.toMatchObject({ code: "E_USAGE", hint: "pass --answer name=<value> (to `aegis run` or `aegis resume`)" });
  });

  test("(#5) stopping the run while the terminal prompt waits rejects with the stop's reason, not 'no terminal'", async () => {
    const input = new PassThrough();
    const ask = askOnTerminal({ input, output: new PassThrough() });
    const stop = new AbortController();
    const pending = resolveAnswer({ question: "Name?", key: "name" }, {}, ask, stop.signal);
    stop.abort(new AegisError("E_CANCELLED", "the run was interrupted"));
    await expect(pending).rejects.toMatchObject({ code: "E_CANCELLED", message: "the run was interrupted" });
  });

  test("an answer given up front wins over the route", async () => {
    const never = async () => {
      throw new Error("must not ask");
    };
    expect(await resolveAnswer({ question: "Q", key: "q", options: ["a", "b"] }, { q: "B" }, never, new AbortController().signal)).toBe("b");
  });
});
