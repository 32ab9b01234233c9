/**
 * Reads the `data:` payloads of a server-sent-events body, one call per event, until `[DONE]`, the
 * end of the body, or `onData` answering 'stop'. Streamed answers are parsed here rather than by the SDK: its per-chunk
 * schema validation dropped `delta.images` and cost more CPU than everything else the bot does per
 * token.
 */
export async function readSseData(body: ReadableStream<Uint8Array>, onData: (data: string) => 'stop' | void, onBytes?: () => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
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
  try {
    while (!done) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      onBytes?.();
      // Search only the new text for line ends: an image event can be megabytes long.
      let from = buffered.length;
      buffered += decoder.decode(value, { stream: true });
      let start = 0;
      for (let nl = buffered.indexOf('\n', from); nl !== -1 && !done; nl = buffered.indexOf('\n', from)) {
        line(buffered.charCodeAt(nl - 1) === 13 ? buffered.slice(start, nl - 1) : buffered.slice(start, nl));
        start = from = nl + 1;
      }
      if (start > 0) buffered = buffered.slice(start);
    }
    if (!done) {
      const rest = buffered + decoder.decode();
      if (rest) line(rest);
      line('');
    }
  } finally {
    // Closes the connection when the reading stopped early (an error chunk, an abort).
    await reader.cancel().catch(() => undefined);
  }
}
