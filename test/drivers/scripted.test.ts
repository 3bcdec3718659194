import { expect, test } from "bun:test";
import { Scripted, type ScriptedContext, type ScriptedReply } from "../../src/config/providers.ts";
import { runDriverConformance } from "./conformance.ts";

// The Scripted agent has no process and touches nothing, so it follows the conformance prompt script in-process:
// memory per provider session id (which survives resume), scripted tool calls, and a tool that waits to be interrupted.
const memory = new Map<string, string[]>();

async function reply(prompt: string, ctx: ScriptedContext): Promise<ScriptedReply> {
  const text = prompt.trim();
  const memos = memory.get(ctx.sessionId) ?? [];
  memory.set(ctx.sessionId, memos);
  let m: RegExpExecArray | null;
  if ((m = /^MEMO:\s*(.+)$/.exec(text))) {
    memos.push(m[1] as string);
    return `NOTED: ${m[1]}`;
  }
  if (text === "RECALL") return `RECALL: ${memos.join(", ")}`;
  if ((m = /^RUN:\s*echo (.+)$/.exec(text))) {
    return { text: `TOOL OUTPUT: ${m[1]}`, toolCalls: [{ name: "Bash", input: { command: `echo ${m[1]}` }, output: m[1] as string }] };
  }
  if (text === "MODE:sleep-tool") {
    await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("interrupted")), { once: true }));
  }
  return `ECHO: ${prompt}`;
}

runDriverConformance("scripted", () => new Scripted({ reply }), {
  caps: { process: false, tools: true, interruptMidTool: false, resume: true, stableSessionId: false, permissions: false, turnLog: false },
});

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
