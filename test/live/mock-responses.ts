// OpenAI Responses API for the mock LLM (what Codex CLI speaks: `POST /v1/responses`, always streamed): turns a body's
// `input` items into a Conversation and a MockReply into the API's SSE events, or its error format. MCP tools come
// in namespaces (`{type:"namespace", name:"mcp__<server>", tools:[…]}`) and are offered to the script flattened as
// `<server>_<tool>`, the name the other CLIs give them; a call goes back with its namespace. `apply_patch` is a custom
// (freeform) tool: a write becomes an `Add File` patch. It does not decide what to answer.

import { type Conversation, type ConvMessage, type MockReply, type OfferedTool, stripInjected } from "./mock-script.ts";
import { errorResponse, estimateTokens, type SseEvent, sseResponse } from "./mock-sse.ts";

type Json = Record<string, unknown>;

/** How a flattened tool name is called on the wire. */
interface WireTool {
  name: string;
  namespace?: string;
  custom: boolean;
}

export function parseResponses(body: Json): Conversation {
  const tools = offeredTools(body).map(([offered]) => offered);
  const system: string[] = [];
  if (typeof body.instructions === "string") system.push(body.instructions);
  const messages: ConvMessage[] = [];
  for (const item of asArray(body.input)) {
    const type = item.type ?? "message";
    if (type === "message") {
      const texts = asArray(item.content).flatMap((p) => (typeof p.text === "string" ? [p.text] : []));
      if (item.role === "developer" || item.role === "system") {
        system.push(texts.join("\n"));
        continue;
      }
      const kept = texts.map(stripInjected).filter((t) => t);
      // Codex's own context messages (<environment_context>, <turn_aborted>) leave nothing once stripped.
      if (kept.length === 0 && item.role === "user") continue;
      messages.push({ role: item.role === "assistant" ? "assistant" : "user", texts: kept, toolResults: [], toolCalls: [], endsWithToolResult: false });
    } else if (type === "function_call" || type === "custom_tool_call") {
      messages.push({ role: "assistant", texts: [], toolResults: [], toolCalls: [String(item.name ?? "")], endsWithToolResult: false });
    } else if (type === "function_call_output" || type === "custom_tool_call_output") {
      messages.push({ role: "user", texts: [], toolResults: [outputText(item.output)], toolCalls: [], endsWithToolResult: true });
    }
  }
  return { model: String(body.model ?? ""), system: system.join("\n"), tools, messages };
}

export function respondResponses(reply: MockReply, conv: Conversation, body: Json, n: number): Response {
  if (reply.kind === "error") {
    return errorResponse(reply.status, { error: { message: `mock-llm scripted error ${reply.status}`, type: "invalid_request_error", param: null, code: null } });
  }
  const id = `resp_mock_${n}`;
  const events: SseEvent[] = [];
  const push = (data: Json) => events.push([String(data.type), data]);
  push({ type: "response.created", response: { id } });
  let output: unknown;
  if (reply.kind === "tool") {
    const wire = new Map(offeredTools(body).map(([offered, w]) => [offered.name, w])).get(reply.name) ?? { name: reply.name, custom: false };
    const callId = `call_mock_${n}`;
    const item: Json = wire.custom
      ? { type: "custom_tool_call", id: `ctc_mock_${n}`, call_id: callId, name: wire.name, input: patchFor(reply.args) }
      : { type: "function_call", id: `fc_mock_${n}`, call_id: callId, name: wire.name, arguments: JSON.stringify(reply.args), ...(wire.namespace ? { namespace: wire.namespace } : {}) };
    push({ type: "response.output_item.added", output_index: 0, item });
    push({ type: "response.output_item.done", output_index: 0, item });
    output = item;
  } else {
    const msgId = `msg_mock_${n}`;
    const half = Math.floor(reply.text.length / 2);
    push({ type: "response.output_item.added", output_index: 0, item: { type: "message", role: "assistant", id: msgId, content: [] } });
    // Two deltas, so that the CLI's streaming (and the driver's reassembly) is exercised.
    for (const delta of [reply.text.slice(0, half), reply.text.slice(half)]) {
      if (delta) push({ type: "response.output_text.delta", item_id: msgId, output_index: 0, content_index: 0, delta });
    }
    output = { type: "message", role: "assistant", id: msgId, content: [{ type: "output_text", text: reply.text, annotations: [] }] };
    push({ type: "response.output_item.done", output_index: 0, item: output });
  }
  const input = estimateTokens(body.input);
  const out = estimateTokens(output);
  push({
    type: "response.completed",
    response: {
      id, model: conv.model, status: "completed",
      usage: { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: out, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + out },
    },
  });
  return sseResponse(events);
}

/** Every tool the request offers, flattened for the script, with how to call it back. */
function offeredTools(body: Json): Array<[OfferedTool, WireTool]> {
  const out: Array<[OfferedTool, WireTool]> = [];
  for (const t of asArray(body.tools)) {
    if (t.type === "namespace") {
      const ns = String(t.name ?? "");
      const server = ns.replace(/^mcp__/, "").replace(/__$/, "");
      for (const inner of asArray(t.tools)) {
        const name = String(inner.name ?? "");
        out.push([{ name: `${server}_${name}`, schema: inner.parameters as OfferedTool["schema"] }, { name, namespace: ns, custom: false }]);
      }
    } else if (t.type === "function" || t.type === "custom") {
      const name = String(t.name ?? "");
      out.push([{ name, schema: t.parameters as OfferedTool["schema"] }, { name, custom: t.type === "custom" }]);
    }
  }
  return out;
}

/** A freeform `apply_patch` input adding one file. */
function patchFor(args: Record<string, unknown>): string {
  const lines = String(args.content ?? "").split("\n").map((l) => `+${l}`);
  return ["*** Begin Patch", `*** Add File: ${String(args.file ?? "")}`, ...lines, "*** End Patch", ""].join("\n");
}

function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) return asArray(output).map((p) => String(p.text ?? "")).join("");
  return JSON.stringify(output ?? "");
}

function asArray(v: unknown): Json[] {
  return Array.isArray(v) ? (v.filter((x) => typeof x === "object" && x !== null) as Json[]) : [];
}
