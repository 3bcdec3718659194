import { describe, expect, test } from "bun:test";
import { decideToolUse, toolTitle } from "../../../src/drivers/claude/claude-permission.ts";
import type { PermissionRequest } from "../../../src/drivers/driver.ts";

const req = (tool_name: string, input: Record<string, unknown> = {}) => ({ subtype: "can_use_tool" as const, tool_name, input });
const yes = async () => true;
const no = async () => false;

describe("decideToolUse", () => {
  test("read never allows a tool, even a read-only one, even when a human would say yes", async () => {
    for (const tool of ["Read", "Bash", "Write", "mcp__other__x"]) {
      expect((await decideToolUse("read", req(tool), yes)).behavior).toBe("deny");
    }
  });

  test("aegis's own MCP tools are allowed at every level", async () => {
    for (const p of ["read", "write", "full", "auto"] as const) {
      expect(await decideToolUse(p, req("mcp__aegis__aegis_spawn", { profile: "x" }), undefined)).toEqual({ behavior: "allow", updatedInput: { profile: "x" } });
    }
  });

  test("write allows edits but not commands; full allows all", async () => {
    expect((await decideToolUse("write", req("Edit"), undefined)).behavior).toBe("allow");
    expect((await decideToolUse("write", req("Bash"), yes)).behavior).toBe("deny");
    expect((await decideToolUse("full", req("Bash"), undefined)).behavior).toBe("allow");
  });

  test("auto: reads pass, others ask; no one to ask means deny", async () => {
    const asked: PermissionRequest[] = [];
    const record = async (r: PermissionRequest) => (asked.push(r), true);
    expect((await decideToolUse("auto", req("Grep"), undefined)).behavior).toBe("allow");
    expect(await decideToolUse("auto", req("Bash", { command: "touch f" }), record)).toEqual({ behavior: "allow", updatedInput: { command: "touch f" } });
    expect(asked).toEqual([{ toolName: "Bash", kind: "execute", title: "Bash: touch f", input: { command: "touch f" } }]);
    const denied = await decideToolUse("auto", req("Write", { file_path: "a" }), no);
    expect(denied).toMatchObject({ behavior: "deny", message: expect.stringContaining("refused by the user") });
    expect(await decideToolUse("auto", req("Bash"), undefined)).toMatchObject({ behavior: "deny", message: expect.stringContaining("no one to ask") });
  });

  test("a failing question is a deny, not a crash", async () => {
    const boom = async () => {
      throw new Error("tty gone");
    };
    expect(await decideToolUse("auto", req("Bash"), boom)).toMatchObject({ behavior: "deny", message: expect.stringContaining("tty gone") });
  });
});

test("toolTitle summarises the call", () => {
  expect(toolTitle("Bash", { command: "ls" })).toBe("Bash: ls");
  expect(toolTitle("Edit", { file_path: "/a", old_string: "x" })).toBe("Edit: /a");
  expect(toolTitle("WebFetch", { url: "http://x" })).toBe("WebFetch: http://x");
  expect(toolTitle("Task", {})).toBe("Task");
});
