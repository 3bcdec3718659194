// A mock LLM HTTP server on 127.0.0.1 (ephemeral port) that the real provider CLIs talk to in the live tests.
// It serves the wire APIs the CLIs use (Anthropic Messages, Gemini generateContent, OpenAI Chat Completions and
// Responses), answers by the script in mock-script.ts, and records every request for assertions.
// It binds loopback only and never forwards anything anywhere.

import { parseAnthropic, respondAnthropic } from "./mock-anthropic.ts";
import { parseGemini, respondGemini } from "./mock-gemini.ts";
import { parseOpenAi, respondOpenAi } from "./mock-openai.ts";
import { parseResponses, respondResponses } from "./mock-responses.ts";
import { type ApiName, type Conversation, decideReply, type MockReply } from "./mock-script.ts";

export type { ApiName, Conversation, MockReply } from "./mock-script.ts";

export interface RecordedRequest {
  seq: number;
  method: string;
  /** Path plus query, e.g. `/v1/messages?beta=true`. */
  path: string;
  api: ApiName | undefined;
  /** `model`: a model step the script answered; `title`: OpenCode's session-title side request; `other`: anything else. */
  kind: "model" | "title" | "other";
  headers: Record<string, string>;
  body: unknown;
  conversation?: Conversation;
  reply?: MockReply;
  status: number;
}

export interface MockLlm extends AsyncDisposable {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** The model steps (no probes, no title requests), optionally for one API. */
  modelRequests(api?: ApiName): RecordedRequest[];
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;

const GEMINI_PATH = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/;

export function startMockLlm(): MockLlm {
  const requests: RecordedRequest[] = [];

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // Bun's default 10 s idle timeout would cut a slow CLI's keep-alive connection mid-test.
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const rec: RecordedRequest = {
        seq: requests.length + 1, method: req.method, path: url.pathname + url.search, api: undefined,
        kind: "other", headers: Object.fromEntries(req.headers), body: undefined, status: 0,
      };
      requests.push(rec);
      const res = await route(req, url, rec);
      rec.status = res.status;
      return res;
    },
  });

  const port = server.port;
  if (port === undefined) throw new Error("mock LLM server did not get a port");
  const stop = async () => {
    await server.stop(true);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    modelRequests: (api) => requests.filter((r) => r.kind === "model" && (api === undefined || r.api === api)),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function route(req: Request, url: URL, rec: RecordedRequest): Promise<Response> {
  if (req.method === "HEAD" || (req.method === "GET" && url.pathname === "/")) return new Response(null, { status: 200 });
  if (req.method !== "POST") return new Response("not found", { status: 404 });

  const body = await readJson(req);
  rec.body = body;
  if (body === undefined) return new Response("request body is not JSON", { status: 400 });
  const n = rec.seq;

  if (url.pathname === "/v1/messages") {
    rec.api = "anthropic";
    return answer(rec, parseAnthropic(body), (reply, conv) => respondAnthropic(reply, conv, body, n));
  }
  if (url.pathname === "/v1/chat/completions" || url.pathname === "/chat/completions") {
    rec.api = "openai";
    const conv = parseOpenAi(body);
    if (isTitleRequest(conv)) {
      rec.kind = "title";
      rec.conversation = conv;
      rec.reply = { kind: "text", text: "Mock session title" };
      return respondOpenAi(rec.reply, conv, body, n);
    }
    return answer(rec, conv, (reply, c) => respondOpenAi(reply, c, body, n));
  }
  if (url.pathname === "/v1/responses" || url.pathname === "/responses") {
    rec.api = "responses";
    return answer(rec, parseResponses(body), (reply, conv) => respondResponses(reply, conv, body, n));
  }
  const gemini = GEMINI_PATH.exec(url.pathname);
  if (gemini) {
    rec.api = "gemini";
    const model = decodeURIComponent(gemini[1] ?? "");
    if (gemini[2] === "countTokens") return Response.json({ totalTokens: Math.ceil(JSON.stringify(body).length / 4) });
    const stream = gemini[2] === "streamGenerateContent";
    return answer(rec, parseGemini(body, model), (reply, conv) => respondGemini(reply, conv, body, n, stream));
  }
  return new Response("not found", { status: 404 });
}

function answer(rec: RecordedRequest, conv: Conversation, respond: (reply: MockReply, conv: Conversation) => Response): Response {
  const reply = decideReply(conv);
  rec.kind = "model";
  rec.conversation = conv;
  rec.reply = reply;
  return respond(reply, conv);
}

/** OpenCode asks its small model for a session title on a session's first prompt: no tools, a title-generator system. */
function isTitleRequest(conv: Conversation): boolean {
  return conv.tools.length === 0 && /title generator/i.test(conv.system);
}

async function readJson(req: Request): Promise<Json | undefined> {
  try {
    const parsed: unknown = await req.json();
    return typeof parsed === "object" && parsed !== null ? (parsed as Json) : undefined;
  } catch {
    // A non-JSON body is a bad request; the caller answers 400 and the recorded body stays undefined.
    return undefined;
  }
}
