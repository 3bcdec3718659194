// `aegis answer <runId> [key=]value`: how the key is told from the value.
import { describe, expect, test } from "bun:test";
import { splitAnswer } from "../../src/cli/answer.ts";

describe("splitAnswer", () => {
  test("a dashed key, a no-code node id, and a map item's key <id>#<index> (#13)", () => {
    expect(splitAnswer("ship-it=yes")).toEqual({ key: "ship-it", value: "yes" });
    expect(splitAnswer("Approve_2=no")).toEqual({ key: "Approve_2", value: "no" });
    expect(splitAnswer("keep#3=yes")).toEqual({ key: "keep#3", value: "yes" });
    expect(splitAnswer("cell#0.12=a=b")).toEqual({ key: "cell#0.12", value: "a=b" });
  });

  test("a bare value stays whole, = signs and all", () => {
    expect(splitAnswer("yes")).toEqual({ value: "yes" });
    expect(splitAnswer("x = 1")).toEqual({ value: "x = 1" });
    expect(splitAnswer("keep#x=1")).toEqual({ value: "keep#x=1" });
  });
});
