// Small HTTP helpers shared by the mock LLM's API adapters: SSE framing, JSON error responses, token estimates.
// No API knowledge lives here.

/** One SSE event: [event name or null for a bare `data:` line, data payload]. */
export type SseEvent = [string | null, unknown];

/** A complete SSE response. All events are written at once: the CLIs parse the stream incrementally anyway. */
export function sseResponse(events: SseEvent[], opts: { trailer?: string } = {}): Response {
  let text = "";
  for (const [event, data] of events) {
    if (event) text += `event: ${event}\n`;
    text += `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
  }
  if (opts.trailer) text += opts.trailer;
  return new Response(text, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
  });
}

/**
 * An API error. `retry-after-ms: 100` (and `retry-after: 0`) ask the CLIs to retry quickly, which those that honour
 * it do (OpenCode); the others retry on their own schedule, so the test env caps their retries.
 */
export function errorResponse(status: number, body: unknown): Response {
  return Response.json(body, { status, headers: { "retry-after-ms": "100", "retry-after": "0" } });
}

/** A rough token count (4 characters per token) so the CLIs see plausible, non-zero usage. */
export function estimateTokens(value: unknown): number {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return Math.max(1, Math.ceil(text.length / 4));
}
