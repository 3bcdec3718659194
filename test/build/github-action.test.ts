// action.yml, run here the way GitHub runs a composite action: each step's `run` under `bash --noprofile --norc -eo
// pipefail`, its `${{ … }}` expressions filled in, GITHUB_PATH/GITHUB_OUTPUT/GITHUB_STEP_SUMMARY as files. It installs a
// real aegis for this machine from a local release folder (Bun.serve on 127.0.0.1) and runs the quickstart with it.
// Also checks that the release workflow parses and publishes what `npm run release` writes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT } from "../../scripts/compile.ts";
import { buildInto, copyQuickstart, run } from "./release-helpers.ts";

interface Step {
  id?: string;
  if?: string;
  shell: string;
  env?: Record<string, string>;
  run: string;
  "working-directory"?: string;
}
const action = Bun.YAML.parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Step[] };
};

const dir = mkdtempSync(join(tmpdir(), "aegis-action-"));
const release = join(dir, "release");
let server: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  // The asset install.sh picks for this machine, built for real and published with its SHA256SUMS.
  const asset = (await run(["sh", join(ROOT, "scripts", "install.sh"), "--dry-run"])).stdout.split(" ")[0]!;
  await buildInto(release, ["--target", asset.replace(/^aegis-/, "")]);
  const sum = createHash("sha256").update(readFileSync(join(release, asset))).digest("hex");
  writeFileSync(join(release, "SHA256SUMS"), `${sum}  ${asset}\n`);
  server = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch: (req) => {
      const name = new URL(req.url).pathname.slice(1);
      return /^[\w.-]+$/.test(name) ? new Response(Bun.file(join(release, name))) : new Response("", { status: 404 });
    },
    error: () => new Response("not found", { status: 404 }),
  });
}, 120_000);
afterAll(async () => {
  await server?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

/** Fills in the few expression forms action.yml uses; anything else fails the test rather than passing silently. */
function expand(text: string, ctx: { inputs: Record<string, string>; outputs: Record<string, Record<string, string>> }): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    let m = /^inputs\.([\w-]+)$/.exec(expr);
    if (m) return ctx.inputs[m[1]!] ?? "";
    if (expr === "github.action_path") return ROOT;
    m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (m) return ctx.outputs[m[1]!]?.[m[2]!] ?? "";
    throw new Error(`action.yml uses an expression this test does not know: ${expr}`);
  });
}

async function runAction(given: Record<string, string>) {
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default ?? ""]));
  const job = mkdtempSync(join(dir, "job-"));
  const files = { GITHUB_PATH: join(job, "path"), GITHUB_STEP_SUMMARY: join(job, "summary.md") };
  for (const f of Object.values(files)) writeFileSync(f, "");
  const outputs: Record<string, Record<string, string>> = {};
  const results = [];
  for (const step of action.runs.steps) {
    if (step.if !== undefined) {
      const m = /^inputs\.([\w-]+) != ''$/.exec(step.if);
      if (!m) throw new Error(`action.yml uses a condition this test does not know: ${step.if}`);
      if (inputs[m[1]!] === "") continue;
    }
    const output = join(job, `output-${results.length}`);
    writeFileSync(output, "");
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(v, { inputs, outputs })]));
    const r = await run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], {
      cwd: resolve(job, expand(step["working-directory"] ?? ".", { inputs, outputs })),
      env: {
        PATH: "/usr/local/bin:/usr/bin:/bin", HOME: job, RUNNER_TEMP: join(job, "tmp"), NO_COLOR: "1",
        AEGIS_DOWNLOAD_BASE: `http://127.0.0.1:${server.port}`, GITHUB_OUTPUT: output, ...files, ...env,
      },
    });
    results.push(r);
    if (step.id) {
      outputs[step.id] = Object.fromEntries(readFileSync(output, "utf8").trim().split("\n").filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2)));
    }
    if (r.code !== 0) break;
  }
  return { job, results, outputs, path: readFileSync(files.GITHUB_PATH, "utf8"), summary: readFileSync(files.GITHUB_STEP_SUMMARY, "utf8") };
}

describe("action.yml (#9)", () => {
  test("installs aegis, puts it on PATH and runs a workflow with multi-word arguments; the summary reaches the job page", async () => {
    const project = join(dir, "job-project");
    copyQuickstart(project);
    const r = await runAction({ workflow: "quickstart", args: "--topic=the GitHub Action\n\n", "working-directory": project });
    expect(r.results.map((x) => x.code)).toEqual([0, 0]);
    expect(r.outputs.install!.path).toBe(join(r.job, "tmp", "aegis", "bin", "aegis"));
    expect(r.outputs.install!.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.path.trim()).toBe(join(r.job, "tmp", "aegis", "bin"));
    expect(r.results[1]!.stdout).toContain("the GitHub Action");
    expect(r.summary).toContain("### aegis workflow `quickstart`");
  }, 180_000);

  test("without a workflow it only installs; a failing run fails the step", async () => {
    const only = await runAction({});
    expect(only.results.length).toBe(1);
    expect(only.results[0]!.code).toBe(0);
    const project = join(dir, "job-missing");
    copyQuickstart(project);
    const bad = await runAction({ workflow: "no-such-workflow", "working-directory": project });
    expect(bad.results[1]!.code).toBe(2);
    expect(bad.results[1]!.stderr).toContain("no-such-workflow");
  }, 180_000);
});

test("the release workflow runs on v* tags and attaches what npm run release writes (#9)", () => {
  const wf = Bun.YAML.parse(readFileSync(join(ROOT, ".github", "workflows", "release.yml"), "utf8")) as {
    on: { push: { tags: string[] } };
    jobs: { release: { steps: { run?: string; "working-directory"?: string }[] } };
  };
  expect(wf.on.push.tags).toEqual(["v*"]);
  const steps = wf.jobs.release.steps;
  const runs = steps.map((s) => s.run ?? "").join("\n");
  expect(runs).toContain("npm install");
  expect(runs).toContain("git diff --exit-code package-lock.json");
  expect(runs).toContain("tsc --noEmit");
  expect(runs).toContain("npm run release");
  const publish = steps.find((s) => s.run?.includes("gh release"))!;
  expect(publish["working-directory"]).toBe("dist/release");
  expect(publish.run).toContain("aegis-* SHA256SUMS");
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  expect(pkg.scripts.release).toBe("bun scripts/build.ts --all");
});
