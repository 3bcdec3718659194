// `aegis workflow list [--json]`: the workflows the project's config registers (name, description, file).

import { defineCommand } from "citty";
import { out } from "../ui/log.ts";
import { loadConfigWorkflows } from "../workflow/loader.ts";
import { argDefaults, argInfo } from "../workflow/arg-schema.ts";
import { allWorkflows } from "../workflow/registry.ts";
import { configArgs, jsonArg, loadConfigFromArgs } from "./context.ts";

const list = defineCommand({
  meta: { name: "list", description: "List the registered workflows" },
  args: { ...configArgs, ...jsonArg },
  async run({ args }) {
    const config = await loadConfigFromArgs(args);
    await loadConfigWorkflows(config);
    const wfs = allWorkflows().map((w) => ({ name: w.name, description: w.description ?? null, file: w.file ?? null, builtin: w.builtin === true, defaults: argDefaults(w.args), args: argInfo(w.args) ?? null }));
    if (args.json) return void out(JSON.stringify(wfs, null, 2));
    if (wfs.length === 0) return void out("no workflows registered: add files or folders to `workflows` in .aegis.ts");
    const width = Math.max(...wfs.map((w) => w.name.length));
    for (const w of wfs) out(`${w.name.padEnd(width)}  ${w.description ?? ""}${w.builtin ? " (built-in)" : ""}`.trimEnd());
  },
});

export default defineCommand({
  meta: { name: "workflow", description: "Inspect workflows (aegis workflow list); check and plan no-code workflow files (validate, plan, schema)" },
  subCommands: {
    list, show: () => import("./workflow-show.ts").then((m) => m.default),
    validate: () => import("./workflow-spec.ts").then((m) => m.specCommands.validate),
    plan: () => import("./workflow-spec.ts").then((m) => m.specCommands.plan),
    schema: () => import("./workflow-spec.ts").then((m) => m.specCommands.schema),
  },
});
