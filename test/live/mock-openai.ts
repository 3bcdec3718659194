// OpenAI Chat Completions API for the mock LLM (what OpenCode's `@ai-sdk/openai-compatible` provider speaks): turns a
// `POST /v1/chat/completions` body into a Conversation and a MockReply into SSE chunks (with the usage chunk when
// `stream_options.include_usage` is set), JSON, or the API's error format. It does not decide what to answer.

import { type Conversation, type ConvMessage, type MockReply, type OfferedTool, stripInjected } from "./mock-script.ts";
import { errorResponse, estimateTokens, type SseEvent, sseResponse } from "./mock-sse.ts";

type Json = Record<string, unknown>;

export function parseOpenAi(body: Json): Conversation {
  const tools: OfferedTool[] = (asArray(body.tools) as Json[]).map((t) => {
    const fn = (t.function ?? {}) as Json;
    return { name: String(fn.name ?? ""), schema: fn.parameters as OfferedTool["schema"] };
  });
  const system: string[] = [];
  const messages: ConvMessage[] = [];
  for (const m of asArray(body.messages) as Json[]) {
    const text = contentText(m.content);
    if (m.role === "system" || m.role === "developer") {
      system.push(text);
    } else if (m.role === "tool") {
      messages.push({ role: "user", texts: [], toolResults: [text], toolCalls: [], endsWithToolResult: true });
    } else {
      // Each content part stays a text of its own, as the other APIs' parsers keep them: the user's words are the last.
      const texts = contentParts(m.content).map(stripInjected).filter((t) => t);
      const calls = (asArray(m.tool_calls) as Json[]).map((c) => String(((c.function ?? {}) as Json).name ?? ""));
      messages.push({ role: m.role === "assistant" ? "assistant" : "user", texts, toolResults: [], toolCalls: calls, endsWithToolResult: false });
    }
  }
  return { model: String(body.model ?? ""), system: system.join("\n"), tools, messages };
}

export function respondOpenAi(reply: MockReply, conv: Conversation, body: Json, n: number): Response {
  if (reply.kind === "error") return openAiError(reply.status);
  const id = `chatcmpl-mock-${n}`;
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: "chat.completion.chunk", created, model: conv.model };
  const toolCall = reply.kind === "tool"
    ? { id: `call_mock_${n}`, type: "function", function: { name: reply.name, arguments: JSON.stringify(reply.args) } }
    : undefined;
  const finish = toolCall ? "tool_calls" : "stop";
  const usage = { prompt_tokens: estimateTokens(body), completion_tokens: estimateTokens(toolCall ?? reply), total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;

  if (body.stream !== true) {
    const message = toolCall ? { role: "assistant", content: null, tool_calls: [toolCall] } : { role: "assistant", content: reply.kind === "text" ? reply.text : "" };
    return Response.json({ id, object: "chat.completion", created, model: conv.model, choices: [{ index: 0, message, finish_reason: finish }], usage });
  }
  const delta = toolCall ? { role: "assistant", tool_calls: [{ index: 0, ...toolCall }] } : { role: "assistant", content: reply.kind === "text" ? reply.text : "" };
  const events: SseEvent[] = [
    [null, { ...base, choices: [{ index: 0, delta, finish_reason: null }] }],
    [null, { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] }],
  ];
  const streamOptions = (body.stream_options ?? {}) as Json;
  if (streamOptions.include_usage === true) events.push([null, { ...base, choices: [], usage }]);
  events.push([null, "[DONE]"]);
  return sseResponse(events);
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
  429: "rate_limit_exceeded",
};

function openAiError(status: number): Response {
  return errorResponse(status, {
    error: { message: `mock-llm scripted error ${status}`, type: ERROR_TYPES[status] ?? "server_error", param: null, code: null },
  });
}

function contentParts(content: unknown): string[] {
  if (typeof content === "string") return [content];
  return (asArray(content) as Json[]).flatMap((p) => (typeof p.text === "string" ? [p.text] : []));
}

function contentText(content: unknown): string {
  return contentParts(content).join("\n");
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
