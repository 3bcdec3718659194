// aegis's own MCP tools are recognised under the names generic ACP agents give them, so a permission request for
// one is always allowed; look-alikes from other servers, or a shell command, are not (#10).

import { expect, test } from "bun:test";
import { decidePermission, isAegisTool } from "../../../src/drivers/acp/permission-policy.ts";

const req = (toolName: string, kind: "other" | "execute" = "other") => ({ toolName, kind, title: toolName });

test("Copilot's aegis-aegis_… and Qwen/Claude-style mcp__aegis__aegis_… are aegis's tools, allowed at every level (#10)", () => {
  for (const name of ["aegis-aegis_cancel", "mcp__aegis__aegis_enqueue"]) {
    expect(isAegisTool(req(name))).toBe(true);
    expect(decidePermission("read", req(name))).toBe("allow");
    expect(decidePermission("write", req(name))).toBe("allow");
  }
});

test("other servers' tools, prefixes alone and shell commands do not pass as aegis's (#10)", () => {
  for (const name of ["echo-echo", "evil-aegis_spawn", "aegis-spawn", "mcp__other__aegis_spawn", "aegis-aegis_x; rm -rf /"]) {
    expect(isAegisTool(req(name))).toBe(false);
  }
  expect(isAegisTool(req("aegis-aegis_cancel", "execute"))).toBe(false);
  expect(decidePermission("write", req("echo-echo"))).toBe("reject");
});
