// The mock LLM itself, spoken to over HTTP on 127.0.0.1 exactly as the CLIs speak to it. Needs no CLI installed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockLlm, startMockLlm } from "./mock-llm.ts";

let mock: MockLlm;
beforeAll(() => {
  mock = startMockLlm();
});
afterAll(async () => {
  await mock.stop();
});

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${mock.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** The `data:` payloads of an SSE body, JSON-parsed where possible. */
async function sseData(res: Response): Promise<unknown[]> {
  const text = await res.text();
  return text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => {
    const data = l.slice(6);
    return data === "[DONE]" ? data : JSON.parse(data);
  });
}

const bash = { name: "Bash", input_schema: { type: "object", properties: { command: { type: "string" }, description: { type: "string" } } } };

describe("mock LLM: Anthropic Messages", () => {
  test("HEAD / answers 200 (claude probes its base URL)", async () => {
    const res = await fetch(mock.url, { method: "HEAD" });
    expect(res.status).toBe(200);
  });

  test("echoes the user's text, ignoring system-reminder blocks", async () => {
    const res = await post("/v1/messages?beta=true", {
      model: "claude-sonnet-4-5", stream: true, tools: [bash],
      messages: [{ role: "user", content: [{ type: "text", text: "<system-reminder>ctx</system-reminder>" }, { type: "text", text: "hello" }] }],
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = (await sseData(res)) as Array<{ type: string; delta?: { text?: string; stop_reason?: string } }>;
    expect(events.map((e) => e.type)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(events[2]?.delta?.text).toBe("ECHO: hello");
    expect(events[4]?.delta?.stop_reason).toBe("end_turn");
  });

  test("RUN calls the Bash tool; its result comes back as TOOL OUTPUT", async () => {
    const call = await post("/v1/messages", { model: "m", stream: true, tools: [bash], messages: [{ role: "user", content: "RUN: echo hi" }] });
    const events = (await sseData(call)) as Array<{ content_block?: { name?: string }; delta?: { partial_json?: string; stop_reason?: string } }>;
    expect(events[1]?.content_block?.name).toBe("Bash");
    expect(JSON.parse(events[2]?.delta?.partial_json ?? "{}")).toEqual({ command: "echo hi", description: "Run echo hi" });
    expect(events[4]?.delta?.stop_reason).toBe("tool_use");

    const res = await post("/v1/messages", {
      model: "m", stream: false, tools: [bash],
      messages: [
        { role: "user", content: "RUN: echo hi" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Bash", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "hi" }] },
      ],
    });
    const json = (await res.json()) as { content: Array<{ text?: string }> };
    expect(json.content[0]?.text).toBe("TOOL OUTPUT: hi");
  });

  test("a user text after a tool result (next turn after an interrupt) is echoed, not taken as tool output", async () => {
    const res = await post("/v1/messages", {
      model: "m", stream: false, tools: [bash],
      messages: [
        { role: "user", content: "SLEEP_TOOL" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Bash", input: {} }] },
        { role: "user", content: [
          { type: "tool_result", tool_use_id: "t1", content: "rejected", is_error: true },
          { type: "text", text: "[Request interrupted by user for tool use]" },
          { type: "text", text: "next turn" },
        ] },
      ],
    });
    expect(((await res.json()) as { content: Array<{ text?: string }> }).content[0]?.text).toBe("ECHO: next turn");
  });

  test("MOCK_ERROR answers that status in Anthropic's error format, asking for a quick retry", async () => {
    const res = await post("/v1/messages", { model: "m", stream: true, messages: [{ role: "user", content: "MOCK_ERROR: 429" }] });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after-ms")).toBe("100");
    expect(await res.json()).toEqual({ type: "error", error: { type: "rate_limit_error", message: "mock-llm scripted error 429" } });
  });
});

describe("mock LLM: Gemini", () => {
  const tools = [{ functionDeclarations: [{ name: "run_shell_command", parametersJsonSchema: { type: "object", properties: { command: { type: "string" } } } }, { name: "mcp_echo_echo", parametersJsonSchema: {} }] }];

  test("streams a functionCall for RUN and echoes the functionResponse output", async () => {
    const res = await post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", {
      tools, contents: [{ role: "user", parts: [{ text: "<session_context>os</session_context>" }, { text: "RUN: ls" }] }],
    });
    const [chunk] = (await sseData(res)) as Array<{ candidates: Array<{ content: { parts: unknown[] } }>; modelVersion: string }>;
    expect(chunk?.candidates[0]?.content.parts).toEqual([{ functionCall: { name: "run_shell_command", args: { command: "ls" } } }]);
    expect(chunk?.modelVersion).toBe("gemini-2.5-flash");

    const after = await post("/v1beta/models/gemini-2.5-flash:generateContent", {
      tools, contents: [
        { role: "user", parts: [{ text: "RUN: ls" }] },
        { role: "model", parts: [{ functionCall: { name: "run_shell_command", args: {} } }] },
        { role: "user", parts: [{ functionResponse: { name: "run_shell_command", response: { output: "a.txt" } } }] },
      ],
    });
    const json = (await after.json()) as { candidates: Array<{ content: { parts: Array<{ text?: string }> } }> };
    expect(json.candidates[0]?.content.parts[0]?.text).toBe("TOOL OUTPUT: a.txt");
  });

  test("TOOL picks the offered tool whose name contains the given name", async () => {
    const res = await post("/v1beta/models/g:streamGenerateContent?alt=sse", { tools, contents: [{ role: "user", parts: [{ text: 'TOOL: echo {"text":"pong"}' }] }] });
    const [chunk] = (await sseData(res)) as Array<{ candidates: Array<{ content: { parts: unknown[] } }> }>;
    expect(chunk?.candidates[0]?.content.parts).toEqual([{ functionCall: { name: "mcp_echo_echo", args: { text: "pong" } } }]);
  });

  test("MOCK_ERROR answers in Google's error format", async () => {
    const res = await post("/v1beta/models/g:streamGenerateContent?alt=sse", { contents: [{ role: "user", parts: [{ text: "MOCK_ERROR: 500" }] }] });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 500, message: "mock-llm scripted error 500", status: "INTERNAL" } });
  });
});

describe("mock LLM: OpenAI Chat Completions", () => {
  const tools = ["bash", "write", "read"].map((name) => ({
    type: "function",
    function: { name, parameters: { type: "object", properties: name === "write" ? { filePath: {}, content: {} } : { command: {} } } },
  }));

  test("answers OpenCode's title request without counting it as a model step", async () => {
    const before = mock.modelRequests("openai").length;
    const res = await post("/v1/chat/completions", { model: "mock-model", stream: true, messages: [{ role: "system", content: "You are a title generator." }, { role: "user", content: "hi" }] });
    const data = (await sseData(res)) as Array<{ choices?: Array<{ delta?: { content?: string } }> }>;
    expect(data[0]?.choices?.[0]?.delta?.content).toBe("Mock session title");
    expect(mock.modelRequests("openai").length).toBe(before);
    expect(mock.requests.at(-1)?.kind).toBe("title");
  });

  test("WRITE calls the write tool by its schema's names, with a usage chunk and [DONE]", async () => {
    const res = await post("/v1/chat/completions", {
      model: "mock-model", stream: true, stream_options: { include_usage: true }, tools,
      messages: [{ role: "user", content: [{ type: "text", text: "WRITE: /w/out.txt hello there" }] }],
    });
    const data = await sseData(res);
    const first = data[0] as { choices: Array<{ delta: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }> };
    const call = first.choices[0]?.delta.tool_calls[0]?.function;
    expect(call?.name).toBe("write");
    expect(JSON.parse(call?.arguments ?? "{}")).toEqual({ filePath: "/w/out.txt", content: "hello there" });
    expect((data[1] as { choices: Array<{ finish_reason: string }> }).choices[0]?.finish_reason).toBe("tool_calls");
    expect((data[2] as { usage?: { prompt_tokens: number } }).usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.at(-1)).toBe("[DONE]");
  });

  test("RECALL echoes the earlier user messages; a tool message yields TOOL OUTPUT", async () => {
    const recall = await post("/v1/chat/completions", {
      model: "m", stream: false,
      messages: [{ role: "user", content: "one" }, { role: "assistant", content: "ECHO: one" }, { role: "user", content: "two" }, { role: "user", content: "RECALL" }],
    });
    expect(((await recall.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe("ECHO: one | two");

    const tool = await post("/v1/chat/completions", { model: "m", stream: false, messages: [{ role: "user", content: "RUN: x" }, { role: "tool", tool_call_id: "c", content: "out" }] });
    expect(((await tool.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe("TOOL OUTPUT: out");
  });

  test("a RUN without any shell tool offered is answered in text, naming the offered tools", async () => {
    const res = await post("/v1/chat/completions", { model: "m", stream: false, tools: tools.slice(2), messages: [{ role: "user", content: "RUN: rm -rf x" }] });
    const content = ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
    expect(content).toBe("MOCK: no shell tool offered (tools: read)");
  });
});

describe("mock LLM: OpenAI Responses (Codex) (#10)", () => {
  const execCommand = { type: "function", name: "exec_command", parameters: { type: "object", properties: { cmd: { type: "string" }, workdir: { type: "string" } } } };
  const echoNs = { type: "namespace", name: "mcp__echo", tools: [{ type: "function", name: "echo", parameters: { type: "object", properties: { text: { type: "string" } } } }] };
  const applyPatch = { type: "custom", name: "apply_patch", format: { type: "grammar" } };
  const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
  const done = (events: unknown[]) => (events as Array<{ type: string; item?: Record<string, unknown> }>).find((e) => e.type === "response.output_item.done")?.item;

  test("echoes the last user text as streamed deltas, skipping Codex's environment context; usage on response.completed", async () => {
    const res = await post("/v1/responses", {
      model: "mock-model", stream: true, tools: [execCommand],
      input: [{ type: "message", role: "developer", content: [{ type: "input_text", text: "primer" }] }, user("<environment_context>\n  <cwd>/w</cwd>\n</environment_context>"), user("hello")],
    });
    const events = (await sseData(res)) as Array<{ type: string; delta?: string; response?: { usage?: { input_tokens: number } } }>;
    expect(events.map((e) => e.type)).toEqual(["response.created", "response.output_item.added", "response.output_text.delta", "response.output_text.delta", "response.output_item.done", "response.completed"]);
    expect(events.flatMap((e) => (e.delta ? [e.delta] : [])).join("")).toBe("ECHO: hello");
    expect(events.at(-1)?.response?.usage?.input_tokens).toBeGreaterThan(0);
  });

  test("RUN calls exec_command with cmd; an MCP tool goes back with its namespace; WRITE is an apply_patch Add File", async () => {
    const run = done(await sseData(await post("/v1/responses", { model: "m", stream: true, tools: [execCommand, echoNs], input: [user("RUN: echo hi")] })));
    expect(run).toMatchObject({ type: "function_call", name: "exec_command", arguments: JSON.stringify({ cmd: "echo hi" }) });
    const mcp = done(await sseData(await post("/v1/responses", { model: "m", stream: true, tools: [execCommand, echoNs], input: [user('TOOL: echo {"text":"x"}')] })));
    expect(mcp).toMatchObject({ type: "function_call", name: "echo", namespace: "mcp__echo", arguments: '{"text":"x"}' });
    const write = done(await sseData(await post("/v1/responses", { model: "m", stream: true, tools: [applyPatch], input: [user("WRITE: a.txt two words")] })));
    expect(write).toMatchObject({ type: "custom_tool_call", name: "apply_patch", input: "*** Begin Patch\n*** Add File: a.txt\n+two words\n*** End Patch\n" });
  });

  test("a tool output last in the input is answered with TOOL OUTPUT; an error status in OpenAI's error format", async () => {
    const input = [user("RUN: echo hi"), { type: "function_call", name: "exec_command", arguments: "{}", call_id: "c1" }, { type: "function_call_output", call_id: "c1", output: "hi\n" }];
    const events = (await sseData(await post("/v1/responses", { model: "m", stream: true, tools: [execCommand], input }))) as Array<{ delta?: string }>;
    expect(events.flatMap((e) => (e.delta ? [e.delta] : [])).join("")).toBe("TOOL OUTPUT: hi\n");
    const err = await post("/v1/responses", { model: "m", stream: true, input: [user("MOCK_ERROR: 400")] });
    expect(err.status).toBe(400);
    expect(((await err.json()) as { error: { message: string } }).error.message).toBe("mock-llm scripted error 400");
  });
});
