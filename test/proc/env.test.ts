import { describe, expect, test } from "bun:test";
import { buildChildEnv, envMatcher, inheritedEnv, INTERNAL_VARS } from "../../src/proc/env.ts";

const host = {
  PATH: "/usr/bin",
  HOME: "/home/u",
  LANG: "C.UTF-8",
  ANTHROPIC_API_KEY: "sk-secret",
  ANTHROPIC_BASE_URL: "https://proxy.example",
  GH_TOKEN: "ghp_secret",
  DATABASE_URL: "postgres://db",
  AWS_REGION: "eu-west-1",
  CLOUD_ML_REGION: "us-east5",
  GITHUB_REPOSITORY: "o/r",
  CI: "true",
  IS_SANDBOX: "1",
  AEGIS_PROC_TAG: "outer",
  AEGIS_FAILPOINT: "after-step:1",
  AEGIS_CONFIG: "/proj/.aegis.ts",
  AEGIS_STATE_DIR: "/proj/state",
  UNDEF: undefined,
};

describe("buildChildEnv: a child inherits the aegis process's environment (#9)", () => {
  test("the whole environment passes: tokens, cloud credentials, CI variables, IS_SANDBOX (#9)", () => {
    const env = buildChildEnv({}, "all", host);
    for (const k of ["PATH", "HOME", "LANG", "ANTHROPIC_API_KEY", "GH_TOKEN", "DATABASE_URL", "AWS_REGION", "CLOUD_ML_REGION", "GITHUB_REPOSITORY", "CI", "IS_SANDBOX"]) {
      expect(env[k]).toBe(host[k as keyof typeof host] as string);
    }
    expect("UNDEF" in env).toBe(false);
  });

  test("aegis's internal variables are stripped; the user's AEGIS_* knobs stay (#9)", () => {
    const env = buildChildEnv({}, "all", host);
    expect(env.AEGIS_PROC_TAG).toBeUndefined();
    expect(env.AEGIS_FAILPOINT).toBeUndefined();
    expect(env.AEGIS_CONFIG).toBe("/proj/.aegis.ts");
    expect(env.AEGIS_STATE_DIR).toBe("/proj/state");
    expect([...INTERNAL_VARS].sort()).toEqual(["AEGIS_FAILPOINT", "AEGIS_PROC_TAG"]);
  });

  test("explicit keys win over inherited values, in both modes (#9)", () => {
    expect(buildChildEnv({ HOME: "/sandbox", ANTHROPIC_BASE_URL: "http://127.0.0.1:1" }, "all", host)).toMatchObject({
      HOME: "/sandbox", ANTHROPIC_BASE_URL: "http://127.0.0.1:1", PATH: "/usr/bin",
    });
    expect(buildChildEnv({ HOME: "/sandbox", EXTRA: "x" }, ["HOME"], host)).toEqual({ HOME: "/sandbox", EXTRA: "x" });
  });

  test("an explicit key may even set an internal name: only inheritance is filtered", () => {
    expect(buildChildEnv({ AEGIS_FAILPOINT: "x" }, "all", host).AEGIS_FAILPOINT).toBe("x");
  });

  test("a list passes only the names and globs it holds (#9)", () => {
    const env = buildChildEnv({}, ["PATH", "HOME", "ANTHROPIC_*"], host);
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/u", ANTHROPIC_API_KEY: "sk-secret", ANTHROPIC_BASE_URL: "https://proxy.example" });
  });

  test("a list never passes internal variables, even when a glob matches them (#9)", () => {
    const env = buildChildEnv({}, ["AEGIS_*"], host);
    expect(env).toEqual({ AEGIS_CONFIG: "/proj/.aegis.ts", AEGIS_STATE_DIR: "/proj/state" });
  });

  test("an empty list inherits nothing; only explicit keys are set", () => {
    expect(buildChildEnv({ ONLY: "me" }, [], host)).toEqual({ ONLY: "me" });
  });

  test("defaults: all of the real process environment", () => {
    const env = buildChildEnv();
    expect(env.PATH).toBe(process.env.PATH as string);
    expect(inheritedEnv()).toEqual(buildChildEnv());
  });
});

describe("envMatcher", () => {
  test("* matches any run, ? one character; everything else literally and case-sensitively", () => {
    const m = envMatcher(["ANTHROPIC_*", "AWS_?", "A.B", "PATH"]);
    expect(["ANTHROPIC_", "ANTHROPIC_API_KEY", "AWS_X", "A.B", "PATH"].filter(m)).toHaveLength(5);
    expect(["anthropic_api_key", "AWS_XY", "AxB", "PATH2", "XPATH", "MY_ANTHROPIC_KEY"].filter(m)).toEqual([]);
  });

  test("case is ignored where environment names are case-insensitive (Windows: Path)", () => {
    const m = envMatcher(["PATH", "ANTHROPIC_*"], true);
    expect(["Path", "path", "anthropic_api_key"].filter(m)).toHaveLength(3);
    expect(envMatcher(["PATH"], false)("Path")).toBe(false);
  });

  test("regex characters in a name are not special", () => {
    const m = envMatcher(["a+b", "x(y)*"]);
    expect(m("a+b")).toBe(true);
    expect(m("aab")).toBe(false);
    expect(m("x(y)z")).toBe(true);
  });
});
