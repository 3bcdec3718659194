#!/usr/bin/env bun
// Overhead of a no-code `map`: 1,000 items on the Scripted agent with concurrency 16 (each item spawns an agent,
// sends one turn and closes it, all journaled in a state file), against a TypeScript workflow doing the same work
// with `engine.parallel` over 16 lanes, in the same process and run, alternating rounds so both see the same load.
// Reports the map's time per item, its overhead per item over engine.parallel, and the ratio.
// Goal: ratio ≤ 1.2. Usage: bun bench/spec-map.ts [--quick] [--items 1000] [--rounds 3]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scripted } from "../src/config/providers.ts";
import { validateConfig } from "../src/config/validate.ts";
import { createRuntime } from "../src/runtime.ts";
import { openStore } from "../src/store/store.ts";
import type { WorkflowEngine } from "../src/workflow/engine-types.ts";
import type { Workflow } from "../src/workflow/registry.ts";
import { startRun } from "../src/workflow/runner.ts";
import { specWorkflow } from "../src/workflow/spec/load.ts";
import { validateSpec } from "../src/workflow/spec/validate.ts";
import { numArg, report } from "./lib/report.ts";

const ITEMS = numArg("--items", 1000, 200);
const ROUNDS = numArg("--rounds", 5, 3);
const CONCURRENCY = 16;
const tmp = mkdtempSync(join(tmpdir(), "aegis-bench-spec-map-"));

const SPEC = { name: "fan", args: { items: { type: "array" } }, root: {
  type: "map", id: "each", over: "args.items", concurrency: CONCURRENCY,
  body: { type: "agent", id: "one", agent: "echo", prompt: "item {{ item }}" },
} };

/** The same work in TypeScript: 16 lanes, each spawning, sending one turn and closing per item, in item order. */
const byParallel: Workflow = {
  name: "fan-ts",
  async fn(engine: WorkflowEngine, args: Record<string, unknown>) {
    const items = args.items as unknown[];
    const out: unknown[] = Array.from({ length: items.length });
    let next = 0;
    const lane = async () => {
      while (next < items.length) {
        const i = next++;
        const h = await engine.spawn("echo");
        out[i] = await engine.send(h, `item ${String(items[i])}`);
        await engine.close(h);
      }
    };
    await engine.parallel(Array.from({ length: CONCURRENCY }, () => lane));
    return out;
  },
};

try {
  const config = validateConfig({ agents: { echo: { provider: new Scripted({ reply: (p) => p.split("\n").pop() ?? "" }) } } }, join(tmp, ".aegis.ts"), tmp);
  const store = openStore(join(tmp, "state.db"));
  const rt = createRuntime({ config, store, queues: { pollMs: 0 } });
  const bySpec = specWorkflow(validateSpec(SPEC, "fan.yaml", { agents: ["echo"] }), { root: tmp, agents: ["echo"] });
  const items = Array.from({ length: ITEMS }, (_, i) => i);
  const time = async (wf: Workflow): Promise<number> => {
    const t0 = performance.now();
    const out = await startRun(rt, wf, { items });
    const ms = performance.now() - t0;
    if (out.status !== "done" || (out.result as unknown[]).length !== ITEMS || (out.result as string[])[ITEMS - 1] !== `item ${ITEMS - 1}`) {
      throw new Error(`${wf.name} did not finish right: ${out.status} ${String(out.error)}`);
    }
    return ms;
  };
  await time(byParallel); // warm-up: the first run pays for module loading and the store's first pages
  await time(bySpec);
  const spec: number[] = [];
  const par: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    par.push(await time(byParallel));
    spec.push(await time(bySpec));
  }
  await rt.close();
  store.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const s = median(spec);
  const p = median(par);
  const perItem = (ms: number) => (ms * 1000) / ITEMS;
  console.log(`map over ${ITEMS} items, concurrency ${CONCURRENCY}, Scripted agent (spawn, one turn, close per item); median of ${ROUNDS} rounds`);
  console.log(`  engine.parallel, 16 lanes (baseline)  ${p.toFixed(0).padStart(6)} ms   ${perItem(p).toFixed(0).padStart(6)} µs/item`);
  console.log(`  no-code map                           ${s.toFixed(0).padStart(6)} ms   ${perItem(s).toFixed(0).padStart(6)} µs/item   ×${(s / p).toFixed(2)}`);
  console.log(`  overhead of the map: ${(perItem(s) - perItem(p)).toFixed(1)} µs per item`);
  report("spec-map", [
    {
      figure: `no-code map, ${ITEMS} items at concurrency ${CONCURRENCY}, per item`, value: perItem(s), unit: "µs",
      baseline: { label: "engine.parallel over the same work", value: perItem(p) }, goal: { on: "ratio", op: "<=", target: 1.2 },
    },
    { figure: "overhead of the map over engine.parallel, per item", value: perItem(s) - perItem(p), unit: "µs" },
  ]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
