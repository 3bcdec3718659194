import { describe, expect, test } from "bun:test";
import type { Permission } from "../../../src/config/providers.ts";
import type { PermissionRequest, ToolKind } from "../../../src/drivers/driver.ts";
import {
  chooseOutcome, decidePermission, describePermissionRequest, isAegisTool, resolvePermission, toolNameOf,
} from "../../../src/drivers/acp/permission-policy.ts";

const req = (kind: ToolKind, toolName = "some_tool", title = "t"): PermissionRequest => ({ toolName, kind, title });

// The policy table of DESIGN.md §3: rows are tool kinds, columns the permission levels.
const TABLE: Array<[ToolKind, Record<Permission, "allow" | "reject" | "ask">]> = [
  ["read", { read: "allow", write: "allow", full: "allow", auto: "allow" }],
  ["search", { read: "allow", write: "allow", full: "allow", auto: "allow" }],
  ["fetch", { read: "allow", write: "allow", full: "allow", auto: "allow" }],
  ["think", { read: "allow", write: "allow", full: "allow", auto: "allow" }],
  ["edit", { read: "reject", write: "allow", full: "allow", auto: "ask" }],
  ["delete", { read: "reject", write: "allow", full: "allow", auto: "ask" }],
  ["move", { read: "reject", write: "allow", full: "allow", auto: "ask" }],
  ["execute", { read: "reject", write: "reject", full: "allow", auto: "ask" }],
  ["other", { read: "reject", write: "reject", full: "allow", auto: "ask" }],
];

describe("permission policy table", () => {
  for (const [kind, row] of TABLE) {
    for (const [permission, expected] of Object.entries(row) as Array<[Permission, string]>) {
      test(`${permission} × ${kind} → ${expected}`, () => {
        expect(decidePermission(permission, req(kind))).toBe(expected as "allow");
      });
    }
  }

  test("aegis's own MCP tools are always allowed, at every level", () => {
    const gemini = req("other", "mcp_aegis_whoami", "whoami (aegis MCP Server)");
    const opencode = req("other", "aegis_handoff", "aegis_handoff");
    for (const p of ["read", "write", "full", "auto"] as Permission[]) {
      expect(decidePermission(p, gemini)).toBe("allow");
      expect(decidePermission(p, opencode)).toBe("allow");
    }
  });

  test("other MCP servers and look-alikes are not aegis's", () => {
    expect(isAegisTool(req("other", "mcp_echo_echo", "echo (echo MCP Server)"))).toBe(false);
    expect(isAegisTool(req("other", "mcp_aegisx_tool", "tool (aegisx MCP Server)"))).toBe(false);
    // A shell command titled like an MCP tool must not slip through.
    expect(isAegisTool(req("execute", "run_shell_command", "rm -rf x # (aegis MCP Server)"))).toBe(false);
    expect(isAegisTool(req("edit", "aegis_write", "aegis_write"))).toBe(false);
    expect(isAegisTool(req("other", "bash", "aegis_x --rm"))).toBe(false);
    expect(decidePermission("read", req("other", "mcp_echo_echo", "echo (echo MCP Server)"))).toBe("reject");
  });

  test("Gemini's exit_plan_mode is refused for read, even though it asks like a harmless tool", () => {
    expect(decidePermission("read", req("think", "exit_plan_mode", "Requesting plan approval for: x"))).toBe("reject");
    expect(decidePermission("full", req("other", "exit_plan_mode"))).toBe("allow");
  });
});

describe("resolvePermission", () => {
  test("auto asks the human and follows the answer", async () => {
    const asked: PermissionRequest[] = [];
    const yes = async (r: PermissionRequest) => { asked.push(r); return true; };
    expect(await resolvePermission("auto", req("execute", "bash", "touch x"), yes)).toBe(true);
    expect(await resolvePermission("auto", req("edit"), async () => false)).toBe(false);
    expect(asked).toEqual([req("execute", "bash", "touch x")]);
  });

  test("auto refuses when nobody can be asked; read kinds need no question", async () => {
    expect(await resolvePermission("auto", req("execute"))).toBe(false);
    expect(await resolvePermission("auto", req("read"))).toBe(true);
  });

  test("non-auto levels never ask", async () => {
    let asked = 0;
    const ask = async () => { asked++; return true; };
    expect(await resolvePermission("read", req("edit"), ask)).toBe(false);
    expect(await resolvePermission("write", req("execute"), ask)).toBe(false);
    expect(await resolvePermission("write", req("edit"), ask)).toBe(true);
    expect(asked).toBe(0);
  });
});

describe("naming the tool behind a request", () => {
  test("Gemini call ids carry the tool name before the double underscore", () => {
    expect(toolNameOf({ toolCallId: "run_shell_command__run_shell_command_1795639205619_0", title: "touch x" })).toBe("run_shell_command");
    expect(toolNameOf({ toolCallId: "mcp_aegis_whoami__mcp_aegis_whoami_17_0", title: "whoami (aegis MCP Server)" })).toBe("mcp_aegis_whoami");
  });

  test("OpenCode's opaque ids fall back to the first-seen name, then the title", () => {
    expect(toolNameOf({ toolCallId: "call_mwwl0dpi_1", title: "echo hi" }, "bash")).toBe("bash");
    expect(toolNameOf({ toolCallId: "call_x", title: "aegis_whoami" })).toBe("aegis_whoami");
  });

  test("describePermissionRequest maps unknown kinds to other and keeps the raw input", () => {
    const r = describePermissionRequest({ toolCallId: "exit_plan_mode__exit_plan_mode_1_0", title: "Requesting plan approval", kind: "switch_mode", rawInput: { plan: "p" } });
    expect(r).toEqual({ toolName: "exit_plan_mode", kind: "other", title: "Requesting plan approval", input: { plan: "p" } });
  });
});

describe("chooseOutcome", () => {
  const gemini = [
    { optionId: "proceed_always", kind: "allow_always" },
    { optionId: "proceed_once", kind: "allow_once" },
    { optionId: "cancel", kind: "reject_once" },
  ];
  const opencode = [
    { optionId: "once", kind: "allow_once" },
    { optionId: "always", kind: "allow_always" },
    { optionId: "reject", kind: "reject_once" },
  ];

  test("allow picks the one-time option, never 'always'", () => {
    expect(chooseOutcome(gemini, true)).toEqual({ outcome: "selected", optionId: "proceed_once" });
    expect(chooseOutcome(opencode, true)).toEqual({ outcome: "selected", optionId: "once" });
  });

  test("reject picks the reject option, or cancels when none is offered", () => {
    expect(chooseOutcome(gemini, false)).toEqual({ outcome: "selected", optionId: "cancel" });
    expect(chooseOutcome(opencode, false)).toEqual({ outcome: "selected", optionId: "reject" });
    expect(chooseOutcome([{ optionId: "ok", kind: "allow_once" }], false)).toEqual({ outcome: "cancelled" });
    expect(chooseOutcome([{ optionId: "no", kind: "reject_always" }], true)).toEqual({ outcome: "cancelled" });
  });
});
