// The mock LLM's script: given a conversation (already normalized from any of the three wire APIs) it decides the
// one reply to give. It owns the directive vocabulary the live tests speak; it knows nothing about HTTP or SSE.
//
//   the last message ends with a tool result -> text `TOOL OUTPUT: <output>`
//   `RUN: <cmd>`                      -> one call to the CLI's shell tool (Bash / run_shell_command / bash / exec_command)
//   `TOOL: <name> {json}`             -> one call to the offered tool whose name contains <name>
//   `WRITE: <file> <text>`            -> one call to the CLI's file-write tool (Write / write_file / write / apply_patch / create)
//   `SLEEP_TOOL`                      -> shell `sleep 30` (something to interrupt)
//   `MOCK_ERROR: <status>`            -> that HTTP error, in the API's own format
//   `RECALL`                          -> `ECHO: ` + the earlier user messages, joined with ` | `
//   anything else                     -> `ECHO: <text>`

export type ApiName = "anthropic" | "gemini" | "openai" | "responses";

export interface OfferedTool {
  name: string;
  /** The tool's JSON schema for its arguments, as the CLI declared it. */
  schema: { properties?: Record<string, unknown>; required?: string[] } | undefined;
}

export interface ConvMessage {
  role: "user" | "assistant";
  /** Plain text parts, with CLI-injected context blocks (system reminders, session context) removed. */
  texts: string[];
  /** Outputs of tool results carried by this message. */
  toolResults: string[];
  /** True when a tool result is the last thing in the message (no user text after it). */
  endsWithToolResult: boolean;
  /** Names of the tools this (assistant) message called. */
  toolCalls: string[];
}

export interface Conversation {
  model: string;
  system: string;
  tools: OfferedTool[];
  messages: ConvMessage[];
}

export type MockReply =
  | { kind: "text"; text: string }
  | { kind: "tool"; name: string; args: Record<string, unknown> }
  | { kind: "error"; status: number };

const SHELL_TOOLS = ["Bash", "run_shell_command", "bash", "exec_command"];
const WRITE_TOOLS = ["Write", "write_file", "write", "apply_patch", "create"];
/** Text blocks the CLIs put around or before the user's words; never part of what the test wrote. */
const INJECTED = [
  /<system-reminder>[\s\S]*?<\/system-reminder>/g, /<session_context>[\s\S]*?<\/session_context>/g,
  /<environment_context>[\s\S]*?<\/environment_context>/g, /<turn_aborted>[\s\S]*?<\/turn_aborted>/g,
  // GitHub Copilot CLI puts the time before the user's words, in the same text part.
  /<current_datetime>[\s\S]*?<\/current_datetime>/g,
  // ... and in its plan mode, a notice of the mode change, and `[[PLAN]] ` before the words themselves.
  /<mode_changed_notice>[\s\S]*?<\/mode_changed_notice>/g, /^\s*\[\[PLAN\]\] /gm,
];

/** Removes CLI-injected context from one text part; returns "" when nothing of the user's is left. */
export function stripInjected(text: string): string {
  let out = text;
  for (const re of INJECTED) out = out.replace(re, "");
  return out.trim();
}

/** Decides the reply for a conversation. Pure: the same conversation always gets the same reply. */
export function decideReply(conv: Conversation): MockReply {
  const last = conv.messages.at(-1);
  if (last?.endsWithToolResult) return { kind: "text", text: `TOOL OUTPUT: ${last.toolResults.join("\n")}` };

  // Only the last user text part counts: after an API error Claude keeps the failed prompt and sends the next one
  // as a second text part of the same user message.
  const userTexts = conv.messages.filter((m) => m.role === "user").flatMap((m) => m.texts);
  const current = userTexts.at(-1) ?? "";
  const directive = findDirective(current);
  if (!directive) return { kind: "text", text: `ECHO: ${current}` };

  const { verb, rest } = directive;
  switch (verb) {
    case "RUN":
      return shellCall(conv, rest);
    case "SLEEP_TOOL":
      return shellCall(conv, "sleep 30");
    case "WRITE": {
      const space = rest.search(/\s/);
      const file = space < 0 ? rest : rest.slice(0, space);
      const content = space < 0 ? "" : rest.slice(space + 1);
      const tool = pickTool(conv, WRITE_TOOLS);
      if (!tool) return { kind: "text", text: `MOCK: no write tool offered (tools: ${toolNames(conv)})` };
      return { kind: "tool", name: tool.name, args: fillArgs(tool, { file, content }) };
    }
    case "TOOL": {
      const match = /^(\S+)\s*([\s\S]*)$/.exec(rest);
      const wanted = match?.[1] ?? "";
      const tool = conv.tools.find((t) => t.name === wanted) ?? conv.tools.find((t) => t.name.includes(wanted));
      if (!tool) return { kind: "text", text: `MOCK: no tool matching "${wanted}" (tools: ${toolNames(conv)})` };
      return { kind: "tool", name: tool.name, args: parseArgs(match?.[2] ?? "") };
    }
    case "MOCK_ERROR":
      return { kind: "error", status: Number.parseInt(rest, 10) || 500 };
    case "RECALL": {
      return { kind: "text", text: `ECHO: ${userTexts.slice(0, -1).join(" | ")}` };
    }
  }
}

const DIRECTIVE = /^(RUN|TOOL|WRITE|MOCK_ERROR):\s*(.*)$|^(SLEEP_TOOL|RECALL)\s*$/;

/** The last line of the user's text that is a directive (drivers may put context lines before it). */
function findDirective(text: string): { verb: "RUN" | "TOOL" | "WRITE" | "MOCK_ERROR" | "SLEEP_TOOL" | "RECALL"; rest: string } | undefined {
  const lines = text.split("\n").map((l) => l.trim()).reverse();
  for (const line of lines) {
    const m = DIRECTIVE.exec(line);
    if (!m) continue;
    const verb = (m[1] ?? m[3]) as "RUN" | "TOOL" | "WRITE" | "MOCK_ERROR" | "SLEEP_TOOL" | "RECALL";
    return { verb, rest: (m[2] ?? "").trim() };
  }
  return undefined;
}

function shellCall(conv: Conversation, command: string): MockReply {
  const tool = pickTool(conv, SHELL_TOOLS);
  if (!tool) return { kind: "text", text: `MOCK: no shell tool offered (tools: ${toolNames(conv)})` };
  return { kind: "tool", name: tool.name, args: fillArgs(tool, { command, description: `Run ${command}` }) };
}

function pickTool(conv: Conversation, names: string[]): OfferedTool | undefined {
  for (const name of names) {
    const tool = conv.tools.find((t) => t.name === name);
    if (tool) return tool;
  }
  return undefined;
}

/** Fills a tool's arguments by the names its schema declares (file_path / filePath / path, content, command…). */
function fillArgs(tool: OfferedTool, values: { command?: string; description?: string; file?: string; content?: string }): Record<string, unknown> {
  const props = Object.keys(tool.schema?.properties ?? {});
  const args: Record<string, unknown> = {};
  for (const key of props) {
    if ((key === "command" || key === "cmd") && values.command !== undefined) args[key] = values.command;
    else if (key === "description" && values.description !== undefined) args[key] = values.description;
    else if (/^(file_?path|path)$/i.test(key) && values.file !== undefined) args[key] = values.file;
    else if ((key === "content" || key === "file_text") && values.content !== undefined) args[key] = values.content;
  }
  if (props.length === 0) Object.assign(args, values);
  return args;
}

function parseArgs(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    return { text: text.trim() };
  }
}

function toolNames(conv: Conversation): string {
  return conv.tools.map((t) => t.name).join(", ") || "none";
}
