import { it } from 'vitest';
import { OpenRouter } from '@openrouter/sdk';
import { FakeOpenRouter, Gate } from '/work/main/test/fakes/openrouter.js';
it('probe', async () => {
  const fake = await FakeOpenRouter.start();
  const c = new OpenRouter({ apiKey: 'k', serverURL: fake.baseUrl, retryConfig: { strategy: 'none' } });
  const show = (label: string, e: any) => console.log(label, '|', e?.constructor?.name, '|', e?.name, '|', JSON.stringify(e?.message)?.slice(0, 400), '| cause:', e?.cause?.name, e?.cause?.code, e?.cause?.message);
  fake.reply({ steps: [{ content: 'a' }, { error: { code: 'server_error', message: 'boom' } }] });
  try { for await (const _ of (await c.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: [{ role: 'user', content: 'x' }], stream: true } })) as any) {} } catch (e) { show('string code', e); }
  const g = new Gate();
  fake.reply({ steps: [{ content: 'a' }, { gate: g }, { drop: true }] });
  try { for await (const _ of (await c.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: [{ role: 'user', content: 'x' }], stream: true } })) as any) { g.open(); } } catch (e) { show('drop mid', e); }
  fake.reply({ steps: [{ drop: true }] });
  try { await c.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: [{ role: 'user', content: 'x' }], stream: true } }); } catch (e) { show('drop before headers (stream)', e); }
  fake.reply({ status: 409, error: { message: 'conflict' } });
  try { await c.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: [{ role: 'user', content: 'x' }], stream: true } }); } catch (e) { show('409', e); }
  fake.reply({ status: 502, error: { message: 'bad gw', metadata: { provider_name: 'OpenAI' } } });
  try { await c.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: [{ role: 'user', content: 'x' }], stream: true } }); } catch (e) { show('502', e); }
  fake.reply({ steps: [{ content: 'a' }, { stall: true }] });
  const ac = new AbortController();
  const s = await c.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: [{ role: 'user', content: 'x' }], stream: true } }, { signal: ac.signal }) as any;
  const itr = s[Symbol.asyncIterator](); await itr.next(); const p = itr.next(); ac.abort();
  try { await p; } catch (e) { show('abort after start', e); }
  fake.reply({ steps: [{ stall: true }] });
  const ac2 = new AbortController();
  const p2 = c.chat.send({ chatRequest: { model: 'openai/gpt-5', messages: [{ role: 'user', content: 'x' }] } }, { signal: ac2.signal });
  await fake.waitFor(() => fake.inFlight() === 1);
  ac2.abort();
  try { await p2; } catch (e) { show('abort before response', e); }
  // models list error
  await fake.stop();
});
