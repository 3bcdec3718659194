// Anthropic Messages API for the mock LLM: turns a `POST /v1/messages` body into a Conversation and a MockReply into
// the API's SSE stream (or JSON when `stream` is false) or its error format. It does not decide what to answer.

import { type Conversation, type ConvMessage, type MockReply, type OfferedTool, stripInjected } from "./mock-script.ts";
import { errorResponse, estimateTokens, sseResponse, type SseEvent } from "./mock-sse.ts";

type Json = Record<string, unknown>;

export function parseAnthropic(body: Json): Conversation {
  const tools: OfferedTool[] = asArray(body.tools).map((t) => ({
    name: String((t as Json).name ?? ""),
    schema: (t as Json).input_schema as OfferedTool["schema"],
  }));
  const messages: ConvMessage[] = asArray(body.messages).map((raw) => {
    const m = raw as Json;
    const msg: ConvMessage = { role: m.role === "assistant" ? "assistant" : "user", texts: [], toolResults: [], toolCalls: [], endsWithToolResult: false };
    const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : asArray(m.content);
    for (const b of blocks as Json[]) {
      if (b.type === "text") {
        const text = stripInjected(String(b.text ?? ""));
        if (text) msg.texts.push(text);
        // Claude marks an interrupted tool call with this text; it is not the user speaking.
        if (text && !text.startsWith("[Request interrupted")) msg.endsWithToolResult = false;
      } else if (b.type === "tool_result") {
        msg.toolResults.push(toolResultText(b.content));
        msg.endsWithToolResult = true;
      } else if (b.type === "tool_use") {
        msg.toolCalls.push(String(b.name ?? ""));
      }
    }
    return msg;
  });
  const system = typeof body.system === "string" ? body.system : asArray(body.system).map((b) => String((b as Json).text ?? "")).join("\n");
  return { model: String(body.model ?? ""), system, tools, messages };
}

export function respondAnthropic(reply: MockReply, conv: Conversation, body: Json, n: number): Response {
  if (reply.kind === "error") return anthropicError(reply.status);
  const id = `msg_mock_${n}`;
  const usage = { input_tokens: estimateTokens(body), output_tokens: 0 };
  const block = reply.kind === "text"
    ? { type: "text", text: reply.text }
    : { type: "tool_use", id: `toolu_mock_${n}`, name: reply.name, input: reply.args };
  const stopReason = reply.kind === "text" ? "end_turn" : "tool_use";
  const outputTokens = estimateTokens(block);
  if (body.stream !== true) {
    return Response.json({
      id, type: "message", role: "assistant", model: conv.model, content: [block],
      stop_reason: stopReason, stop_sequence: null, usage: { ...usage, output_tokens: outputTokens },
    });
  }
  const events: SseEvent[] = [
    ["message_start", { type: "message_start", message: { id, type: "message", role: "assistant", model: conv.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }],
  ];
  if (block.type === "text") {
    events.push(
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: block.text } }],
    );
  } else {
    events.push(
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { ...block, input: {} } }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } }],
    );
  }
  events.push(
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    ["message_delta", { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }],
    ["message_stop", { type: "message_stop" }],
  );
  return sseResponse(events);
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
  413: "request_too_large", 429: "rate_limit_error", 529: "overloaded_error",
};

function anthropicError(status: number): Response {
  const type = ERROR_TYPES[status] ?? "api_error";
  return errorResponse(status, { type: "error", error: { type, message: `mock-llm scripted error ${status}` } });
}

function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  return asArray(content).map((c) => String((c as Json).text ?? "")).join("\n");
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
