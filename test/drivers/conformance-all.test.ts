// The driver conformance suite over every entry of the provider table (#10): each provider runs it against its fake
// CLI, built by its entry in test/fixtures/fake-providers.ts. A provider added to the table without a fixture fails here.

import { describe, expect, test } from "bun:test";
import { providerSpecs } from "../../src/drivers/providers.ts";
import { runDriverConformance } from "./conformance.ts";
import { FAKE_PROVIDERS } from "../fixtures/fake-providers.ts";

describe("provider table and conformance fixtures (#10)", () => {
  test("every provider in the table has a conformance fixture", () => {
    const missing = providerSpecs().map((p) => p.name).filter((name) => !FAKE_PROVIDERS[name]);
    expect(missing, `no conformance fixture for ${missing.join(", ")}: add one to test/fixtures/fake-providers.ts (FAKE_PROVIDERS["<name>"])`).toEqual([]);
  });

  test("every fixture names a provider of the table, and builds that provider", () => {
    const names = providerSpecs().map((p) => p.name);
    for (const [name, fixture] of Object.entries(FAKE_PROVIDERS)) {
      expect(names as string[], `fixture "${name}" names no provider of the table`).toContain(name);
      const provider = fixture.make({ permission: "read", stateDir: "/nonexistent", logFile: "/nonexistent/log" });
      expect(provider.name).toBe(name as never);
    }
  });
});

for (const spec of providerSpecs()) {
  const fixture = FAKE_PROVIDERS[spec.name];
  if (fixture) runDriverConformance(fixture.label, fixture.make, fixture.opts);
}

test("each provider class applies its table entry's default permission (#10)", () => {
  // A superset of every provider's required options; keys a provider does not know are kept aside, not used.
  const minimal = { model: "m", command: ["agent", "--acp"], reply: () => "" };
  for (const spec of providerSpecs()) {
    const permission = spec.options.shape.permission as { isOptional(): boolean } | undefined;
    if (!permission?.isOptional()) continue; // the user must choose (ACPAgent): no default to apply
    const provider = new spec.cls(minimal as never) as { permission: string };
    expect(`${spec.name}: ${provider.permission}`).toBe(`${spec.name}: ${spec.defaultPermission}`);
  }
});
