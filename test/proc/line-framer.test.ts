import { describe, expect, test } from "bun:test";
import { LineFramer, readLines } from "../../src/proc/line-framer.ts";
import { collect } from "../fixtures/helpers/wait.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function frame(chunks: (string | Uint8Array)[], max?: number): { lines: string[]; oversize: number[] } {
  const oversize: number[] = [];
  const f = new LineFramer({ maxLineBytes: max, onOversize: (b) => oversize.push(b) });
  const lines: string[] = [];
  for (const c of chunks) f.push(typeof c === "string" ? enc(c) : c, lines);
  f.end(lines);
  return { lines, oversize };
}

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(ctrl) {
      const c = chunks.shift();
      if (c) ctrl.enqueue(c);
      else ctrl.close();
    },
  });
}

describe("LineFramer", () => {
  test("splits on newlines and strips CR", () => {
    expect(frame(["a\nb\r\nc\n"]).lines).toEqual(["a", "b", "c"]);
  });

  test("a chunk of whole lines (the fast path) keeps multi-byte text and strips CR", () => {
    expect(frame(['{"x":"ü€😀"}\r\n\n{"y":"ß"}\n']).lines).toEqual(['{"x":"ü€😀"}', '{"y":"ß"}']);
  });

  test("joins lines split across chunks, byte by byte", () => {
    const text = '{"type":"user"}\r\n{"x":"ü€😀"}\n';
    const bytes = enc(text);
    const chunks = [...bytes].map((b) => new Uint8Array([b]));
    expect(frame(chunks).lines).toEqual(['{"type":"user"}', '{"x":"ü€😀"}']);
  });

  test("skips empty lines and flushes a final unterminated line", () => {
    expect(frame(["\n\r\n", "a\n\n", "tail"]).lines).toEqual(["a", "tail"]);
  });

  test("passes garbage through as text without throwing", () => {
    const garbage = new Uint8Array([0xff, 0xfe, 0x00, 0x41, 0x0a, 0x7b, 0x0a]);
    const { lines } = frame([garbage]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("A");
    expect(lines[1]).toBe("{");
  });

  test("drops an over-cap line split over chunks, reports its size, and recovers", () => {
    const { lines, oversize } = frame(["ok\n", "x".repeat(6), "y".repeat(6), "z\nnext\n"], 10);
    expect(lines).toEqual(["ok", "next"]);
    expect(oversize).toEqual([13]);
  });

  test("drops an over-cap line inside one chunk", () => {
    const { lines, oversize } = frame(["12345678901\nfine\n"], 10);
    expect(lines).toEqual(["fine"]);
    expect(oversize).toEqual([11]);
  });

  test("drops an over-cap unterminated line at EOF", () => {
    const { lines, oversize } = frame(["a\n", "b".repeat(20)], 10);
    expect(lines).toEqual(["a"]);
    expect(oversize).toEqual([20]);
  });

  test("a line exactly at the cap is kept", () => {
    expect(frame(["x".repeat(10) + "\n"], 10).lines).toEqual(["x".repeat(10)]);
  });
});

describe("readLines", () => {
  test("frames a 16 MiB line arriving in 64 KiB chunks", async () => {
    const big = "q".repeat(16 * 1024 * 1024);
    const all = enc(`before\n${big}\nafter\n`);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += 65536) chunks.push(all.slice(i, i + 65536));
    const lines = await collect(readLines(streamOf(chunks)));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe("before");
    expect(lines[1]?.length).toBe(big.length);
    expect(lines[2]).toBe("after");
  });

  test("stops when the signal aborts, even if the stream never ends", async () => {
    const ac = new AbortController();
    const stream = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(enc("one\n"));
      },
    });
    const seen: string[] = [];
    for await (const line of readLines(stream, { signal: ac.signal })) {
      seen.push(line);
      ac.abort();
    }
    expect(seen).toEqual(["one"]);
  });
});
