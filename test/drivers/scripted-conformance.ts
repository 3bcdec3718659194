// The Scripted agent's side of the conformance prompt script. It has no process and touches nothing, so it follows
// the script in-process: memory per provider session id (which survives resume), scripted tool calls, and a tool
// that waits to be interrupted.

import type { ScriptedContext, ScriptedReply } from "../../src/config/providers.ts";

const memory = new Map<string, string[]>();

export async function scriptedConformanceReply(prompt: string, ctx: ScriptedContext): Promise<ScriptedReply> {
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
