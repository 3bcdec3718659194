// The turn-overhead benchmark's fixture list (#10): every provider of the table that drives a CLI is in it, and for
// each entry both sides of the comparison work: a turn through aegis's driver and a turn through the bare client of
// its protocol, on the same fake, with the fake's model delay honoured.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withBunOnPath } from "../../bench/lib/measure.ts";
import { startBare } from "../../bench/lib/bare-clients.ts";
import { startAgent } from "../../src/drivers/registry.ts";
import { providerSpecs } from "../../src/drivers/providers.ts";
import { benchFakes } from "../fixtures/fake-providers.ts";
import { within } from "../fixtures/helpers/wait.ts";

const cwd = mkdtempSync(join(tmpdir(), "aegis-fake-providers-"));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

test("every provider with a CLI has a fake-provider entry with a bare client, so the benchmark measures it (#10)", () => {
  const withCli = providerSpecs().filter((p) => p.cli).map((p) => p.name);
  const measured = benchFakes().map((f) => f.name);
  expect(withCli.filter((n) => !measured.includes(n))).toEqual([]);
});

describe("each fake provider, driven by aegis and by its bare client (#10)", () => {
  for (const fx of benchFakes()) {
    test(fx.label, async () => {
      const env = withBunOnPath(cwd, { ...fx.env, [fx.delayEnv]: "5" });
      const s = await startAgent(fx.make({ permission: "write", env }), { cwd, handle: "bench-check" });
      try {
        const events: string[] = [];
        await within((async () => {
          for await (const ev of s.send("please repeat kumquat")) events.push(ev.type === "turn_end" ? `turn_end:${ev.isError}` : ev.type);
        })(), 15_000, "driver turn");
        expect(events.at(-1)).toBe("turn_end:false");
      } finally {
        await s.close();
      }
      const { bare } = fx;
      const b = await startBare(bare.protocol, bare.argv, cwd, env, false);
      try {
        await within(b.turn("please repeat kumquat"), 15_000, "bare turn");
        await within(b.turn("and again"), 15_000, "second bare turn");
      } finally {
        await b.close();
      }
    });
  }
});
