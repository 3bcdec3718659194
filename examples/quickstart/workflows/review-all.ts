// Fan-out: several drafts reviewed at once through the `review` queue (maxParallel: 2), with engine.parallel.
//   aegis run review-all --count=3
import { workflow } from "aegis";

export default workflow("review-all", async (engine, { count = 3 }: { count?: number }) => {
  const writer = await engine.spawn("writer");
  const drafts: string[] = [];
  for (let i = 1; i <= count; i++) drafts.push(await engine.send(writer, `Draft number ${i}.`));
  const reviews = await engine.parallel(drafts.map((d) => () => engine.delegate("review", `Review this draft:\n${d}`)));
  return drafts.map((draft, i) => ({ draft, review: reviews[i] }));
});
