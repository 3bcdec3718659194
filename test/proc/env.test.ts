import { describe, expect, test } from "bun:test";
import { buildChildEnv } from "../../src/proc/env.ts";

const host = {
  PATH: "/usr/bin",
  HOME: "/home/u",
  LANG: "C.UTF-8",
  LC_ALL: "C",
  XDG_CONFIG_HOME: "/home/u/.config",
  NODE_OPTIONS: "--max-old-space-size=4096",
  SSL_CERT_FILE: "/etc/ssl/cert.pem",
  HTTPS_PROXY: "http://proxy:3128",
  no_proxy: "localhost",
  ANTHROPIC_API_KEY: "sk-secret",
  CLAUDE_CONFIG_DIR: "/tmp/cc",
  GITHUB_TOKEN: "ghp_secret",
  AWS_SECRET_ACCESS_KEY: "aws",
  AEGIS_PROC_TAG: "outer",
  AEGIS_STATE: "x",
  MY_PATHS: "nope",
  UNDEF: undefined,
};

describe("buildChildEnv", () => {
  test("passes the allow-list and nothing else", () => {
    const env = buildChildEnv({}, [], host);
    expect(env).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/u",
      LANG: "C.UTF-8",
      LC_ALL: "C",
      XDG_CONFIG_HOME: "/home/u/.config",
      NODE_OPTIONS: "--max-old-space-size=4096",
      SSL_CERT_FILE: "/etc/ssl/cert.pem",
      HTTPS_PROXY: "http://proxy:3128",
      no_proxy: "localhost",
    });
  });

  test("secrets and aegis's own variables never leak", () => {
    const env = buildChildEnv({}, [], host);
    for (const k of ["ANTHROPIC_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "AEGIS_PROC_TAG", "AEGIS_STATE", "MY_PATHS"]) {
      expect(env[k]).toBeUndefined();
    }
  });

  test("prefixes pass matching host variables through", () => {
    const env = buildChildEnv({}, ["ANTHROPIC_", "CLAUDE_"], host);
    expect(env.ANTHROPIC_API_KEY).toBe("sk-secret");
    expect(env.CLAUDE_CONFIG_DIR).toBe("/tmp/cc");
    expect(env.GITHUB_TOKEN).toBeUndefined();
  });

  test("an empty prefix passes nothing extra", () => {
    expect(buildChildEnv({}, [""], host).GITHUB_TOKEN).toBeUndefined();
  });

  test("explicit keys win over host values and allow-list", () => {
    const env = buildChildEnv({ HOME: "/sandbox", IS_SANDBOX: "1" }, [], host);
    expect(env.HOME).toBe("/sandbox");
    expect(env.IS_SANDBOX).toBe("1");
  });

  test("defaults to the real process environment", () => {
    const env = buildChildEnv();
    expect(env.PATH).toBe(process.env.PATH as string);
  });
});
