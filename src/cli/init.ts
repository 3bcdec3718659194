// `aegis init`: writes a commented `.aegis.ts` and `workflows/hello.ts`, configuring the provider CLIs found on PATH
// (each provider table entry with an `init` template) plus the built-in Scripted agent (which needs no account), and the editor set-up: the public types in
// .aegis/types/ with a tsconfig.json mapping "aegis" to them. `--script` instead sets the folder up for `bun aegis.ts`
// (package.json with the aegis-harness alias, tsconfig.json, aegis.ts). Refuses to overwrite its files without
// --force; tsconfig.json and package.json are merged, never replaced.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { defineCommand } from "citty";
import { providerSpecs } from "../drivers/providers.ts";
import { out } from "../ui/log.ts";
import { UsageError } from "../util/errors.ts";
import { jsonArg } from "./context.ts";
import { SCRIPT_EXAMPLE, setUpPackageJson } from "./init-script.ts";
import { setUpTsconfig, type TsconfigOutcome } from "./init-tsconfig.ts";
import { publicTypes, writeProjectTypes } from "./public-types.ts";

export interface DetectedCli { harness: string; bin: string; path: string }

/** The providers of the table that `aegis init` configures when their CLI is on PATH, in table order. */
function initProviders() {
  return providerSpecs().flatMap((p) => (p.cli && p.init ? [{ spec: p, cli: p.cli, init: p.init }] : []));
}

export function detectClis(path = process.env.PATH ?? ""): DetectedCli[] {
  const found: DetectedCli[] = [];
  for (const { spec, cli } of initProviders()) {
    const p = Bun.which(cli.bin, { PATH: path });
    if (p) found.push({ harness: spec.name, bin: cli.bin, path: p });
  }
  return found;
}

export function renderConfig(found: DetectedCli[]): string {
  const agents = initProviders().filter((p) => found.some((f) => f.harness === p.spec.name));
  const defaultAgent = agents[0]?.init.agent ?? "demo";
  const imports = ["defineConfig", ...agents.map((a) => a.spec.className), "Scripted"].join(", ");
  const agentLines = agents.map((a) => `    // ${a.init.comment}\n    ${a.init.agent}: { provider: ${a.init.provider} },`).join("\n");
  return `// aegis configuration. \`aegis config validate\` checks it; \`aegis config schema\` prints its JSON Schema.
import { ${imports} } from "aegis";

export default defineConfig({
  // The agent used when a command names none.
  defaultAgent: "${defaultAgent}",

  agents: {
${agentLines ? `${agentLines}\n` : ""}    // A built-in scripted agent: needs no account or network; good for trying workflows.
    demo: { provider: new Scripted({ reply: (prompt) => \`echo: \${prompt}\` }) },
  },

  // Named queues: tasks run by fresh workers of one agent, at most maxParallel at once.
  // Budgets refuse new tasks once spent: [{ usd: 5, window: "24h" }] or [{ outputTokens: 200000, window: "7d" }].
  queues: {
    tasks: { agent: "${defaultAgent}", maxParallel: 2 },
  },

  // Files or folders of workflow modules, imported by \`aegis run\`.
  workflows: ["workflows/"],
});
`;
}

export const HELLO_WORKFLOW = `// A first workflow: \`aegis run hello --who=Ada\`. Workflows are plain async functions; the engine is the first argument.
// Its arguments are a z schema: \`aegis run hello --help\` lists them, and each run's values are checked against it.
import { workflow, z } from "aegis";

export default workflow("hello", async (engine, { who }) => {
  const agent = await engine.spawn("demo");
  const reply = await engine.send(agent, \`Say hello to \${who}.\`);
  engine.log(\`the agent said: \${reply}\`);
  return reply;
}, {
  description: "Say hello through the demo agent",
  args: z.object({ who: z.string().default("world").describe("Whom to greet") }),
});
`;

export default defineCommand({
  meta: { name: "init", description: "Create .aegis.ts, workflows/hello.ts and editor types here, configuring the provider CLIs found on PATH" },
  args: {
    dir: { type: "string", description: "Folder to initialise (default: the current folder)", valueHint: "dir" },
    script: { type: "boolean", description: "Set the folder up for scripts run by Bun (`bun aegis.ts`): package.json with aegis-harness as \"aegis\", tsconfig.json, aegis.ts" },
    force: { type: "boolean", description: "Overwrite existing files" },
    ...jsonArg,
  },
  async run({ args }) {
    const dir = resolve(args.dir ?? process.cwd());
    const configFile = join(dir, ".aegis.ts");
    const helloFile = join(dir, "workflows", "hello.ts");
    const scriptFile = join(dir, "aegis.ts");
    const owned = args.script ? [configFile, helloFile, scriptFile] : [configFile, helloFile];
    const existing = owned.filter((f) => existsSync(f));
    if (existing.length && !args.force) {
      throw new UsageError(`refusing to overwrite ${existing.join(", ")}`, "pass --force to overwrite");
    }
    // Before writing anything: a copy of aegis without its types fails here, not halfway.
    const types = args.script ? undefined : await publicTypes();
    const found = detectClis();
    mkdirSync(join(dir, "workflows"), { recursive: true });
    writeFileSync(configFile, renderConfig(found));
    writeFileSync(helloFile, HELLO_WORKFLOW);
    const files = [configFile, helloFile];
    const notes: string[] = [];
    if (args.script) {
      writeFileSync(scriptFile, SCRIPT_EXAMPLE);
      files.push(scriptFile);
      const pkg = setUpPackageJson(dir);
      if (pkg.action === "wrote") files.push(pkg.file);
      if (pkg.note) notes.push(`merged ${pkg.file}: ${pkg.note}`);
    } else {
      files.push(writeProjectTypes(dir, types!));
    }
    const tsconfig = setUpTsconfig(dir, args.script ? "script" : "binary");
    if (tsconfig.action === "wrote") files.push(tsconfig.file);
    notes.push(...tsconfigNotes(tsconfig));
    const rel = relative(process.cwd(), dir);
    const cd = rel === "" ? "" : `cd ${rel.startsWith("..") ? dir : rel} && `;
    const next = args.script
      ? `${cd}npm install (or bun install), then bun aegis.ts`
      : `${cd}aegis config validate && aegis run hello`;
    if (args.json) {
      return void out(JSON.stringify({ files, providers: found.map((f) => f.harness), tsconfig: tsconfig.action, notes, next }));
    }
    out(files.map((f) => `wrote ${f}`).join("\n"));
    for (const n of notes) out(n);
    out(found.length
      ? `configured: ${found.map((f) => `${f.harness} (${f.path})`).join(", ")} and the built-in demo agent`
      : "no provider CLI found on PATH; configured the built-in demo agent (see `aegis doctor` to install one)");
    out(`next: ${next}`);
  },
});

function tsconfigNotes(t: TsconfigOutcome): string[] {
  if (t.action === "merged") return [`merged ${t.file}: ${t.notes.join("; ")}`];
  if (t.action === "left") return t.notes.map((n) => `${t.file} left as it is: ${n}`);
  return [];
}
