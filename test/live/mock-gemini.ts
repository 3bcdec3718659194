// Gemini API for the mock LLM: turns a `POST /v1beta/models/<m>:streamGenerateContent` (or `:generateContent`) body
// into a Conversation and a MockReply into the API's SSE chunks, JSON, or error format. It does not decide what to
// answer.

import { type Conversation, type ConvMessage, type MockReply, type OfferedTool, stripInjected } from "./mock-script.ts";
import { errorResponse, estimateTokens, sseResponse } from "./mock-sse.ts";

type Json = Record<string, unknown>;

export function parseGemini(body: Json, model: string): Conversation {
  const tools: OfferedTool[] = [];
  for (const group of asArray(body.tools) as Json[]) {
    for (const fn of asArray(group.functionDeclarations) as Json[]) {
      tools.push({ name: String(fn.name ?? ""), schema: (fn.parametersJsonSchema ?? fn.parameters) as OfferedTool["schema"] });
    }
  }
  const messages: ConvMessage[] = (asArray(body.contents) as Json[]).map((c) => {
    const msg: ConvMessage = { role: c.role === "model" ? "assistant" : "user", texts: [], toolResults: [], toolCalls: [], endsWithToolResult: false };
    for (const p of asArray(c.parts) as Json[]) {
      if (typeof p.text === "string" && p.thought !== true) {
        const text = stripInjected(p.text);
        if (text) {
          msg.texts.push(text);
          msg.endsWithToolResult = false;
        }
      } else if (p.functionResponse) {
        msg.toolResults.push(functionResponseText((p.functionResponse as Json).response));
        msg.endsWithToolResult = true;
      } else if (p.functionCall) {
        msg.toolCalls.push(String((p.functionCall as Json).name ?? ""));
      }
    }
    return msg;
  });
  const system = (asArray((body.systemInstruction as Json | undefined)?.parts) as Json[]).map((p) => String(p.text ?? "")).join("\n");
  return { model, system, tools, messages };
}

export function respondGemini(reply: MockReply, conv: Conversation, body: Json, n: number, stream: boolean): Response {
  if (reply.kind === "error") return geminiError(reply.status);
  const part = reply.kind === "text" ? { text: reply.text } : { functionCall: { name: reply.name, args: reply.args } };
  const prompt = estimateTokens(body);
  const output = estimateTokens(part);
  const chunk = {
    candidates: [{ content: { role: "model", parts: [part] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: prompt, candidatesTokenCount: output, totalTokenCount: prompt + output },
    modelVersion: conv.model,
    responseId: `mock_${n}`,
  };
  return stream ? sseResponse([[null, chunk]]) : Response.json(chunk);
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
};

function geminiError(status: number): Response {
  return errorResponse(status, {
    error: { code: status, message: `mock-llm scripted error ${status}`, status: STATUS_NAMES[status] ?? "UNKNOWN" },
  });
}

function functionResponseText(response: unknown): string {
  if (typeof response === "object" && response !== null && typeof (response as Json).output === "string") {
    return (response as Json).output as string;
  }
  return JSON.stringify(response ?? null);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
