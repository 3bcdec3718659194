// Checkpoints and resume. Each chapter is written, typeset (a slow shell step) and checkpointed. Stop the run midway
// — Ctrl-C, or `aegis run chapters --timeout 1s` — then `aegis resume <runId>`: resumeState() returns the last
// checkpoint and the run continues after it; nothing finished is written or typeset again.
import { workflow, z } from "aegis";

interface Progress {
  writer: string;
  done: string[];
}

export default workflow("chapters", async (engine, { chapters }) => {
  const saved = await engine.resumeState<Progress>();
  if (saved) engine.log(`resuming after chapter ${saved.done.length}`);
  const state: Progress = saved ?? { writer: await engine.spawn("writer"), done: [] };
  for (let i = state.done.length + 1; i <= chapters; i++) {
    const text = await engine.send(state.writer, `Write chapter ${i}.`);
    await engine.bash("sleep 0.4"); // typesetting
    state.done.push(text);
    await engine.checkpoint(`chapter-${i}`, state);
  }
  return state.done;
}, {
  description: "Chapters written, typeset and checkpointed one by one (stop it, then resume)",
  args: z.object({ chapters: z.number().int().min(1).default(4).describe("How many chapters") }),
});
