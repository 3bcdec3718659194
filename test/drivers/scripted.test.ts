// The Scripted agent beyond conformance (conformance-all.test.ts runs the suite over every provider of the table).

import { expect, test } from "bun:test";

test("a resumed Scripted session continues its turn numbering (#5)", async () => {
  const { Scripted } = await import("../../src/config/providers.ts");
  const { scriptedDriver } = await import("../../src/drivers/scripted/scripted-driver.ts");
  const provider = new Scripted({ reply: (p, ctx) => `turn ${ctx.turn}: ${p}` });
  const textOfTurn = async (s: Awaited<ReturnType<typeof scriptedDriver.start>>, prompt: string) => {
    let text = "";
    for await (const e of s.send(prompt)) if (e.type === "text") text += e.text;
    return text;
  };
  const first = await scriptedDriver.start(provider, { cwd: "/", handle: "a-b" });
  expect(await textOfTurn(first, "one")).toBe("turn 1: one");
  expect(await textOfTurn(first, "two")).toBe("turn 2: two");
  const id = first.providerSessionId!;
  await first.close();
  const resumed = await scriptedDriver.start(provider, { cwd: "/", handle: "a-b", resumeId: id });
  expect(await textOfTurn(resumed, "three")).toBe("turn 3: three");
  expect(resumed.providerSessionId!.split(":t")[0]).toBe(id.split(":t")[0]);
});
