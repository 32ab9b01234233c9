/**
 * The floor for the load figures: N concurrent streaming requests to the same fake OpenRouter with
 * a bare `fetch` and a hand-rolled SSE parse, nothing else. Prints `ready`; each SIGUSR2 runs
 * every stream once and prints `done <pass> <tokens>`; it waits to be killed (so its CPU time can
 * still be read).
 *
 * Environment: OPENROUTER_BASE_URL, OPENROUTER_API_KEY, CHAT_MODEL, STREAMS.
 */
const base = process.env.OPENROUTER_BASE_URL!;
const streams = Number(process.env.STREAMS);

async function one(i: number): Promise<number> {
  const res = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.OPENROUTER_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: process.env.CHAT_MODEL, stream: true, messages: [{ role: 'user', content: `[bare-${i}] Explain how streaming replies work.` }] }),
  });
  const decoder = new TextDecoder();
  let buffer = '';
  let text = '';
  let tokens = 0;
  for await (const bytes of res.body!) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
      const delta = (JSON.parse(event.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content;
      if (delta) {
        text += delta;
        tokens++;
      }
    }
  }
  return text.length > 0 ? tokens : 0;
}

let passes = 0;
process.on('SIGUSR2', () => {
  const pass = ++passes;
  void Promise.all(Array.from({ length: streams }, (_, i) => one(i))).then((counts) => {
    console.log(`done ${pass} ${counts.reduce((a, b) => a + b, 0)}`);
  });
});
setInterval(() => undefined, 60_000);
// One stream first, so fetch's lazy start-up is not counted as parsing.
await one(-1);
console.log('ready');
