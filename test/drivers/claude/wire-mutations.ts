// Test helpers for the stream-json hand checks: the line shapes the recorded transcripts lack, and every one-field
// mutation of a line (each field deleted or replaced by values of every JSON type, ±Infinity included), so the fast
// path can be compared with the zod schemas beyond the handful of recorded lines.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const SID = "724cd086-5b1e-4c52-9d0e-3f7a1c2b9e10";
const assistant = (content: Json[], extra: Record<string, Json> = {}) => ({
  type: "assistant", message: { id: "msg_x_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content, stop_reason: null },
  parent_tool_use_id: null, session_id: SID, ...extra,
});
const user = (content: Json[] | string) => ({ type: "user", message: { role: "user", content }, parent_tool_use_id: null, session_id: SID });

/** Shapes of the documented wire format that no recorded transcript contains. */
export const EXTRA_SHAPES: Record<string, Json>[] = [
  assistant([{ type: "thinking", thinking: "let me see", signature: "sig" }, { type: "text", text: "answer" }]),
  assistant([{ type: "tool_use", id: "toolu_t", name: "TodoWrite", input: { todos: [{ content: "a", status: "pending", activeForm: "A" }, { content: "b", status: "done" }] } }]),
  assistant([{ type: "tool_use", id: "toolu_n", name: "Read", input: null }]),
  assistant([{ type: "text", text: "sub" }, { type: "thinking", thinking: "sub thinks" }, { type: "tool_use", id: "toolu_s", name: "Grep", input: { pattern: "x" } }], { parent_tool_use_id: "toolu_task" }),
  { type: "assistant", message: { content: [{ type: "text", text: "no id" }, { type: "server_tool_use", id: "srv" }] } },
  user([{ type: "tool_result", tool_use_id: "toolu_a", content: [{ type: "text", text: "one" }, { type: "image" }, { type: "text" }], is_error: true }]),
  user([{ type: "tool_result", tool_use_id: "toolu_b", content: null, is_error: null }, { type: "tool_result", tool_use_id: "toolu_c" }]),
  user("[Request interrupted by user]"),
  {
    type: "result", subtype: "error_max_turns", is_error: true, duration_ms: 10, stop_reason: null, session_id: SID, total_cost_usd: 0.5,
    usage: { input_tokens: 1, output_tokens: null, cache_read_input_tokens: 3 }, api_error_status: 529, errors: ["overloaded", "retry"],
    permission_denials: [{ tool_name: "Bash", tool_use_id: "toolu_d", tool_input: {} }, { tool_name: "Write" }],
  },
  { type: "result", subtype: "success", is_error: false },
  { type: "control_response", response: { subtype: "error", request_id: "aegis_interrupt_3", error: "no turn running" } },
  { type: "control_response", response: { subtype: "success", request_id: "aegis_initialize_1", response: { commands: [], models: ["m"] } } },
  { type: "control_request", request_id: "req-9", request: { subtype: "mcp_message", server_name: "aegis", message: { jsonrpc: "2.0" } } },
  { type: "control_cancel_request", request_id: "req-9" },
  { type: "keep_alive" },
  { type: "stream_event", event: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "ECHO" } }, session_id: SID },
  { type: "system", subtype: "status", status: "requesting" },
];

const REPLACEMENTS: Json[] = [
  null, 0, -1.5, 1e300, "", "x", "text", true, false, [], {}, ["x"], [{}], [{ type: "text", text: "t" }], { type: "x" },
];
/** Stands for Infinity in a mutation; toLine() writes it as 1e999, which JSON.parse reads back as Infinity. */
const INF = "\u0000inf";
const MAX_DEPTH = 6;

/** Every copy of `root` with one field (at any depth) deleted or replaced, plus one with an extra top-level field. */
export function mutations(root: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{ ...root, extra_field: { nested: [1] } }];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (path.length >= MAX_DEPTH || typeof value !== "object" || value === null) return;
    const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const k of keys) {
      const at = [...path, k];
      out.push(edit(root, at, undefined));
      for (const r of [...REPLACEMENTS, INF]) out.push(edit(root, at, r));
      walk((value as Record<string | number, unknown>)[k], at);
    }
  };
  walk(root, []);
  return out;
}

/** A copy of `root` with the value at `path` replaced, or removed when `value` is undefined. */
function edit(root: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value !== undefined) node[last] = value;
  else if (Array.isArray(node)) node.splice(last as number, 1);
  else delete node[last];
  return copy;
}

/** The mutation as a stream-json line. */
export function toLine(o: unknown): string {
  return JSON.stringify(o).replaceAll(JSON.stringify(INF), "1e999");
}
