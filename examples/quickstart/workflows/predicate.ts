// bashPredicate with retries: run a check until it passes, sending its failure to an agent after each attempt.
// `scripts/flaky-build.sh` stands in for your test suite: it fails on its first run for a given id (a cold cache),
// then passes, so you can watch one retry with feedback.   aegis run predicate
import { workflow } from "aegis";

export default workflow("predicate", async (engine) => {
  const writer = await engine.spawn("writer");
  await engine.send(writer, "You will get build failures to look at.");
  const result = await engine.bashPredicate(`bash workflows/scripts/flaky-build.sh ${engine.runId}`, {
    // {exit}, {stdout} and {stderr} are filled in from the failed attempt.
    retryWith: "The build failed (exit {exit}):\n{stderr}\nPlease fix it.",
    maxRetries: 2,
    target: writer,
  });
  return result.stdout.trim();
});
