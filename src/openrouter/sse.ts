/**
 * Reads the `data:` payloads of a server-sent-events body, one call per event, until `[DONE]`, the
 * end of the body, or `onData` answering 'stop'. Streamed answers are parsed here rather than by the SDK: its per-chunk
 * schema validation dropped `delta.images` and cost more CPU than everything else the bot does per
 * token.
 */
export async function readSseData(body: ReadableStream<Uint8Array>, onData: (data: string) => 'stop' | void, onBytes?: () => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  // Pieces of the current line. An image event is megabytes long: joining them only once its line
  // ends keeps that linear (appending to one string and searching it would copy it per piece).
  let pieces: string[] = [];
  let data: string[] = [];
  let done = false;
  const line = (text: string) => {
    if (text === '') {
      if (data.length === 0) return;
      const payload = data.join('\n');
      data = [];
      if (payload === '[DONE]') done = true;
      else if (onData(payload) === 'stop') done = true;
      return;
    }
    if (text.startsWith('data:')) data.push(text.slice(text[5] === ' ' ? 6 : 5));
    // Comments (`: OPENROUTER PROCESSING`) and other fields carry nothing the bot uses.
  };
  const endLine = (last: string) => {
    const text = pieces.length ? pieces.join('') + last : last;
    pieces = [];
    line(text.endsWith('\r') ? text.slice(0, -1) : text);
  };
  try {
    while (!done) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      onBytes?.();
      const text = decoder.decode(value, { stream: true });
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1 && !done; nl = text.indexOf('\n', start)) {
        endLine(text.slice(start, nl));
        start = nl + 1;
      }
      if (start < text.length && !done) pieces.push(text.slice(start));
    }
    if (!done) {
      const rest = decoder.decode();
      if (rest || pieces.length) endLine(rest);
      line('');
    }
  } finally {
    // Closes the connection when the reading stopped early (an error chunk, an abort).
    await reader.cancel().catch(() => undefined);
  }
}
