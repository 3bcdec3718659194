// Reads a request the mock LLM recorded in its API's own shape (Anthropic Messages, Gemini contents, OpenAI chat and
// Responses input items):
// the text parts of each message, unstripped and unjoined, and the system prompt. For tests that assert exactly what
// a real CLI sent the model; the mock's normalized Conversation drops and joins too much for that. No assertions.

import type { RecordedRequest } from "./mock-llm.ts";

type Json = Record<string, unknown>;

export interface MessageTexts {
  role: "user" | "assistant";
  /** Every text part of the message, in order, exactly as sent (CLI-injected context parts included). */
  texts: string[];
}

/** The messages of a recorded model request, each with its text parts (tool calls and results are left out). */
export function messageTexts(rec: RecordedRequest): MessageTexts[] {
  const body = (rec.body ?? {}) as Json;
  switch (rec.api) {
    case "anthropic":
      return asArray(body.messages).map((m) => ({ role: role(m.role), texts: contentTexts(m.content) }));
    case "gemini":
      return asArray(body.contents).map((c) => ({
        role: c.role === "model" ? "assistant" : "user",
        texts: asArray(c.parts).flatMap((p) => (typeof p.text === "string" && p.thought !== true ? [p.text] : [])),
      }));
    case "openai":
      return asArray(body.messages)
        .filter((m) => m.role === "user" || m.role === "assistant")
        .map((m) => ({ role: role(m.role), texts: contentTexts(m.content) }));
    case "responses":
      return asArray(body.input)
        .filter((i) => (i.type ?? "message") === "message" && (i.role === "user" || i.role === "assistant"))
        .map((m) => ({ role: role(m.role), texts: contentTexts(m.content) }));
    default:
      throw new Error(`request #${rec.seq} (${rec.path}) is not a model request of a known API`);
  }
}

/** The system prompt of a recorded model request, all its parts joined. */
export function systemText(rec: RecordedRequest): string {
  const body = (rec.body ?? {}) as Json;
  switch (rec.api) {
    case "anthropic":
      return typeof body.system === "string" ? body.system : contentTexts(body.system).join("\n");
    case "gemini":
      return asArray((body.systemInstruction as Json | undefined)?.parts).map((p) => String(p.text ?? "")).join("\n");
    case "openai":
      return asArray(body.messages).filter((m) => m.role === "system" || m.role === "developer").flatMap((m) => contentTexts(m.content)).join("\n");
    case "responses": {
      const developer = asArray(body.input).filter((i) => i.role === "system" || i.role === "developer").flatMap((m) => contentTexts(m.content));
      return [...(typeof body.instructions === "string" ? [body.instructions] : []), ...developer].join("\n");
    }
    default:
      throw new Error(`request #${rec.seq} (${rec.path}) is not a model request of a known API`);
  }
}

/** The text parts of the request's messages (of one role, if given) that contain `text`. */
export function partsContaining(rec: RecordedRequest, text: string, role?: MessageTexts["role"]): string[] {
  return messageTexts(rec).flatMap((m) => (role && m.role !== role ? [] : m.texts.filter((t) => t.includes(text))));
}

function role(r: unknown): "user" | "assistant" {
  return r === "assistant" ? "assistant" : "user";
}

function contentTexts(content: unknown): string[] {
  if (typeof content === "string") return [content];
  const TEXT_TYPES = ["text", "input_text", "output_text"];
  return asArray(content).flatMap((b) => (TEXT_TYPES.includes(String(b.type)) && typeof b.text === "string" ? [b.text] : []));
}

function asArray(v: unknown): Json[] {
  return Array.isArray(v) ? (v.filter((x) => typeof x === "object" && x !== null) as Json[]) : [];
}
