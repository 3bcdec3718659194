// The gather reducers (#13), as pure functions: how majorityVote normalises answers, counts, and reports ties and
// abstentions; concat and joinByHandle in member order; a function reducer; the check naming the allowed reducers.
import { describe, expect, test } from "bun:test";
import { checkReducer, majorityVote, normaliseAnswer, reduceReplies } from "../../src/workflow/group-reduce.ts";

describe("group reducers (#13)", () => {
  test("normaliseAnswer trims, folds case and whitespace, drops wrapping quotes or bold and trailing punctuation", () => {
    const cases: Array<[string, string]> = [
      ["  Yes.  ", "yes"], ["YES!!!", "yes"], ["**Yes**", "yes"], ['"yes."', "yes"], ["`Yes`.", "yes"], ["“No”", "no"],
      ["Ship   it", "ship it"], ["yes, but", "yes, but"], ["…", ""], ["", ""], ["Option B:", "option b"],
    ];
    for (const [raw, want] of cases) expect([raw, normaliseAnswer(raw)]).toEqual([raw, want]);
  });

  test("majorityVote: a strict majority wins, a tie names the tied answers, empty replies abstain", () => {
    expect(majorityVote({ a: "Yes", b: "no", c: "yes." }, ["a", "b", "c"])).toEqual({ winner: "yes", tie: [], votes: { yes: 2, no: 1 } });
    expect(majorityVote({ a: "red", b: "Blue", c: "", d: "BLUE!", e: "red" }, ["a", "b", "c", "d", "e"]))
      .toEqual({ winner: null, tie: ["red", "blue"], votes: { red: 2, blue: 2 } });
    expect(majorityVote({ a: "x", b: "y", c: "z" }, ["c", "b", "a"])).toEqual({ winner: null, tie: ["z", "y", "x"], votes: { z: 1, y: 1, x: 1 } });
    expect(majorityVote({}, [])).toEqual({ winner: null, tie: [], votes: {} });
    expect(majorityVote({ a: "  " }, ["a"])).toEqual({ winner: null, tie: [], votes: {} });
    expect(majorityVote({ a: "only" }, ["a", "b"])).toEqual({ winner: "only", tie: [], votes: { only: 1 } });
  });

  test("concat and joinByHandle follow the member order; a function reducer gets copies and may be async", async () => {
    const by = { b: "two", a: "one" };
    expect(await reduceReplies(undefined, by, ["a", "b"])).toBe("one\n\ntwo");
    expect(await reduceReplies("concat", by, ["b", "a"])).toBe("two\n\none");
    expect(await reduceReplies("joinByHandle", by, ["a", "b"])).toBe("### a\none\n\n### b\ntwo");
    const seen: unknown[] = [];
    const fn = async (m: Record<string, string>, order: string[]) => {
      seen.push(m, order);
      m.a = "mutated";
      order.push("x");
      return order.length;
    };
    expect(await reduceReplies(fn, by, ["a", "b"])).toBe(3);
    expect(by).toEqual({ b: "two", a: "one" });
  });

  test("checkReducer accepts the names and functions, and names the allowed values otherwise", () => {
    for (const ok of [undefined, "concat", "joinByHandle", "majorityVote", () => 1]) expect(() => checkReducer(ok)).not.toThrow();
    expect(() => checkReducer("vote")).toThrow('gather: unknown reducer "vote": use one of concat, joinByHandle, majorityVote, or a function (byMember, order) => value');
    expect(() => checkReducer(3)).toThrow("unknown reducer 3");
  });
});
