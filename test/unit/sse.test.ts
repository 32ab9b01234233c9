import { describe, expect, it } from 'vitest';
import { readSseData } from '../../src/openrouter/sse.js';

function body(parts: string[]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  const encoder = new TextEncoder();
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < parts.length) controller.enqueue(encoder.encode(parts[i++]!));
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

async function read(parts: string[], stopAt?: string) {
  const seen: string[] = [];
  let bytes = 0;
  const b = body(parts);
  await readSseData(b.stream, (d) => (seen.push(d), d === stopAt ? 'stop' : undefined), () => bytes++);
  return { seen, bytes, cancelled: b.cancelled() };
}

describe('readSseData', () => {
  it('yields each event’s data, across chunk boundaries and CRLF line ends, skipping comments', async () => {
    const { seen, bytes } = await read([': OPENROUTER PROCESSING\n\nda', 'ta: {"a":1}\r\n\r\ndata: {"b"', ':2}\n\n']);
    expect(seen).toEqual(['{"a":1}', '{"b":2}']);
    expect(bytes).toBe(3);
  });

  it('joins multi-line data and stops at [DONE], closing the body', async () => {
    const { seen, cancelled } = await read(['data: one\ndata: two\n\ndata: [DONE]\n\ndata: after\n\n']);
    expect(seen).toEqual(['one\ntwo']);
    expect(cancelled).toBe(true);
  });

  it('stops when the handler says so, and delivers a last event without its blank line', async () => {
    expect((await read(['data: x\n\ndata: y\n\ndata: z\n\n'], 'y')).seen).toEqual(['x', 'y']);
    expect((await read(['data: tail'])).seen).toEqual(['tail']);
  });

  it('reads a megabyte event in many small pieces', async () => {
    const big = 'x'.repeat(1 << 20);
    const parts = [`data: ${big}\n\n`].flatMap((s) => Array.from({ length: 64 }, (_, i) => s.slice((i * s.length) / 64, ((i + 1) * s.length) / 64)));
    expect((await read(parts)).seen).toEqual([big]);
  });
});
