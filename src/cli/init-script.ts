// `aegis init --script`: a folder where `bun aegis.ts` runs aegis as a library. The npm name "aegis" belongs to an
// unrelated package (Bun's auto-install fetches it for a bare `import "aegis"` with no node_modules), so package.json
// depends on "aegis" as an alias of the aegis-harness package: `import … from "aegis"` then works in scripts as in
// config files (Bun's auto-install follows the alias too: measured, it asks the registry for aegis-harness).
// An existing package.json is merged (only dependencies.aegis changes), never replaced.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { UsageError } from "../util/errors.ts";
import { VERSION } from "../version.ts";

/** The published package, and the dependency that installs it under the name "aegis". */
export const PACKAGE_NAME = "aegis-harness";
export const ALIAS_SPEC = `npm:${PACKAGE_NAME}@^${VERSION}`;

export const SCRIPT_EXAMPLE = `// A script run by Bun: \`bun aegis.ts\`. "aegis" here is the aegis-harness package (see package.json), the same
// API that .aegis.ts and workflows/ use. run() loads .aegis.ts, runs the workflow durably (state in .aegis/) and
// resolves with its result, or throws its error.
import { run, workflow, z } from "aegis";

const greet = workflow("greet", async (engine, { who }) => {
  // "demo" is the built-in Scripted agent configured in .aegis.ts: no account or network needed.
  const agent = await engine.spawn("demo");
  const reply = await engine.send(agent, \`Say hello to \${who}.\`);
  engine.log(\`the agent said: \${reply}\`);
  return reply;
}, { args: z.object({ who: z.string().default("world") }) });

const reply = await run(greet, { who: "Ada" });
console.log(reply);
`;

export interface PackageOutcome { file: string; action: "wrote" | "merged" | "unchanged"; note?: string }

function packageName(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "");
  return name && name !== PACKAGE_NAME && name !== "aegis" ? name : "aegis-scripts";
}

/** Writes `dir`/package.json with the alias dependency, or adds the alias to an existing one. */
export function setUpPackageJson(dir: string): PackageOutcome {
  const file = join(dir, "package.json");
  if (!existsSync(file)) {
    const pkg = { name: packageName(dir), private: true, type: "module", scripts: { start: "bun aegis.ts" }, dependencies: { aegis: ALIAS_SPEC } };
    writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
    return { file, action: "wrote" };
  }
  const text = readFileSync(file, "utf8");
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON (${(err as Error).message})`, `fix it, or add "aegis": "${ALIAS_SPEC}" to its dependencies yourself`);
  }
  const deps = (pkg.dependencies && typeof pkg.dependencies === "object" ? pkg.dependencies : {}) as Record<string, string>;
  const before = deps.aegis;
  if (before?.startsWith(`npm:${PACKAGE_NAME}@`)) return { file, action: "unchanged" };
  deps.aegis = ALIAS_SPEC;
  pkg.dependencies = deps;
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? "  ";
  writeFileSync(file, `${JSON.stringify(pkg, null, indent)}\n`);
  return {
    file, action: "merged",
    note: before === undefined
      ? `added dependencies.aegis = "${ALIAS_SPEC}"`
      : `replaced dependencies.aegis "${before}" (the npm package named aegis is not this project) with "${ALIAS_SPEC}"`,
  };
}
