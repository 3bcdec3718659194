// Fan-out: several drafts reviewed at once through the `review` queue (maxParallel: 2), with engine.parallel.
//   aegis run review-all --count=3
import { workflow, z } from "aegis";

export default workflow("review-all", async (engine, { count }) => {
  const writer = await engine.spawn("writer");
  const drafts: string[] = [];
  for (let i = 1; i <= count; i++) drafts.push(await engine.send(writer, `Draft number ${i}.`));
  const reviews = await engine.parallel(drafts.map((d) => () => engine.delegate("review", `Review this draft:\n${d}`)));
  return drafts.map((draft, i) => ({ draft, review: reviews[i] }));
}, {
  description: "Several drafts reviewed at once through the review queue",
  args: z.object({ count: z.number().int().min(1).max(10).default(3).describe("How many drafts") }),
});
