// Every malformed config in test/fixtures/configs/bad/ must give exit code 2 and a message naming the key path (or,
// for whole-file failures, the location), with no stack trace. Each fixture's first line says what to expect.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const DIR = join(ROOT, "test", "fixtures", "configs", "bad");
const files = readdirSync(DIR).filter((f) => f.endsWith(".ts")).sort();

async function validate(file: string): Promise<{ code: number; stderr: string; stdout: string }> {
  const p = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "config", "validate", "--config", file], {
    cwd: DIR, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

test("the corpus holds at least 40 malformed configs", () => {
  expect(files.length).toBeGreaterThanOrEqual(40);
});

test("each malformed config exits 2 with its key path and no stack trace", async () => {
  const failures: string[] = [];
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const expected = /^\/\/ expect: (.+)$/m.exec(readFileSync(join(DIR, f), "utf8"))?.[1]?.trim();
      const r = await validate(join(DIR, f));
      const problems: string[] = [];
      if (!expected) problems.push("fixture lacks an `// expect:` line");
      if (r.code !== 2) problems.push(`exit ${r.code}`);
      if (expected && !r.stderr.includes(expected)) problems.push(`stderr lacks ${JSON.stringify(expected)}`);
      if (!r.stderr.includes(join(DIR, f))) problems.push("stderr does not name the file");
      if (/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) problems.push("stderr has a stack trace");
      if (problems.length) failures.push(`${f}: ${problems.join("; ")}\n${r.stderr}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  expect(failures).toEqual([]);
}, 120_000);
