import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../src/config/validate.ts";
import type { ConfigError } from "../../src/util/errors.ts";

const FILE = "/proj/.aegis.ts";
const agents = { a: { harness: "claude", model: "opus" } };

function issues(raw: Record<string, unknown>): { path: string; message: string }[] {
  try {
    validateConfig({ agents, ...raw }, FILE, "/proj");
  } catch (err) {
    return (err as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
}

describe("config: schedules, webhooks, serve (#12)", () => {
  test("resolves cron and at schedules with their defaults", () => {
    const cfg = validateConfig({
      agents,
      schedules: {
        nightly: { cron: "0 3 * * *", workflow: "review", tz: "Europe/Madrid" },
        often: { cron: "*/10 * * * * *", workflow: "tick", overlap: "queue", catchUp: "all", args: { n: 1 } },
        once: { at: "2026-12-24T18:00:00Z", workflow: "party", enabled: false },
      },
    }, FILE, "/proj");
    expect(cfg.schedules.nightly).toEqual({ name: "nightly", workflow: "review", args: {}, cron: "0 3 * * *", tz: "Europe/Madrid", overlap: "skip", catchUp: "latest", enabled: true });
    expect(cfg.schedules.often).toMatchObject({ overlap: "queue", catchUp: "all", args: { n: 1 } });
    expect(cfg.schedules.once).toMatchObject({ at: Date.parse("2026-12-24T18:00:00Z"), enabled: false });
    expect(cfg.serve).toEqual({});
    expect(cfg.webhooks).toEqual({});
  });

  test("a bad cron names its key path and croner's reason", () => {
    expect(issues({ schedules: { nightly: { cron: "61 * * * *", workflow: "w" } } })).toEqual([
      { path: "schedules.nightly.cron", message: 'invalid cron pattern "61 * * * *": Invalid value for minute: 61' },
    ]);
    const [fields] = issues({ schedules: { x: { cron: "* * *", workflow: "w" } } });
    expect(fields!.path).toBe("schedules.x.cron");
    expect(fields!.message).toContain("it has 3 fields; a pattern has 5 (minute hour day-of-month month day-of-week) or 6 with seconds first");
    expect(issues({ schedules: { x: { cron: "0 0 3 * * * 2026", workflow: "w" } } })[0]!.message).toContain("it has 7 fields");
  });

  test("bad tz, bad at, cron and at together, unknown keys and policies are reported", () => {
    expect(issues({ schedules: { s: { cron: "0 3 * * *", workflow: "w", tz: "Mars/Base" } } })[0]!.path).toBe("schedules.s.tz");
    expect(issues({ schedules: { s: { at: "tomorrow", workflow: "w" } } })[0]!.path).toBe("schedules.s.at");
    expect(issues({ schedules: { s: { at: "2026-01-01T00:00:00Z", cron: "* * * * *", workflow: "w" } } })[0]!.message).toContain("exactly one of cron");
    const [unknown] = issues({ schedules: { s: { cron: "* * * * *", workflow: "w", overlapp: "skip" } } });
    expect(unknown).toMatchObject({ path: "schedules.s.overlapp" });
    expect(unknown!.message).toContain('did you mean "overlap"');
    const [policy] = issues({ schedules: { s: { cron: "* * * * *", workflow: "w", catchUp: "some" } } });
    expect(policy!.path).toBe("schedules.s.catchUp");
    expect(policy!.message).toContain("none, latest, all");
  });

  test("webhooks and serve.http resolve; bad ones are reported by key path", () => {
    const cfg = validateConfig({
      agents, webhooks: { deploy: { workflow: "ship", secret: { env: "DEPLOY_HOOK_SECRET" } } }, serve: { http: { port: 8080 } },
    }, FILE, "/proj");
    expect(cfg.webhooks.deploy).toEqual({ name: "deploy", workflow: "ship", secretEnv: "DEPLOY_HOOK_SECRET" });
    expect(cfg.serve).toEqual({ http: { host: "127.0.0.1", port: 8080 } });
    expect(issues({ webhooks: { deploy: { workflow: "ship", secret: "hunter2" } } })[0]!.path).toBe("webhooks.deploy.secret");
    expect(issues({ webhooks: { "a/b": { workflow: "ship", secret: { env: "X" } } } })[0]!.message).toContain("URL path");
    expect(issues({ serve: { http: { port: 70000 } } })[0]!.path).toBe("serve.http.port");
  });
});
