// The quickstart: one writer drafts, the `review` queue reviews, a shell check gates the result, and the run is
// journaled throughout (kill it at any point and `aegis resume <runId>` finishes it without redoing finished steps).
//   aegis run quickstart --topic="durable workflows"      (aegis run quickstart --help lists its arguments)
import { workflow, WorkflowError, z } from "aegis";

export default workflow("quickstart", async (engine, { topic }) => {
  const writer = await engine.spawn("writer");
  const draft = await engine.send(writer, `Write one sentence about ${topic}.`);
  engine.log(`${writer} wrote: ${draft}`);

  // delegate = enqueue on the queue + wait for the worker's final message.
  const review = await engine.delegate("review", `Review this draft:\n${draft}`);
  if (!review.startsWith("LGTM")) throw new WorkflowError(`the reviewer wants changes: ${review}`);
  await engine.checkpoint("reviewed", { draft, review });

  // Shell steps run in the project root; the draft goes in through the environment, never through the command text.
  const file = ".aegis/out/draft.md";
  await engine.bash(`mkdir -p .aegis/out && printf '%s\\n' "$DRAFT" > ${file}`, { env: { DRAFT: draft } });
  await engine.bashPredicate(`test -s ${file}`, { retryWith: `${file} is empty:\n{stderr}`, target: writer });
  return { topic, draft, review, file };
}, {
  description: "A writer drafts, the review queue reviews, a shell check gates the result",
  args: z.object({ topic: z.string().min(1).default("durable workflows").describe("What the sentence is about") }),
});
