import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Gate, text } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { hasFooter } from '../helpers/replies.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('/ask', () => {
  it('registers its commands once and not again when unchanged', async () => {
    expect(h.discord.commands(h.discord.guildId).map((c) => c.name).sort()).toEqual(['ask', 'imagine', 'reset', 'settings', 'usage']);
    const puts = () => h.discord.requests.filter((r) => r.method === 'PUT' && r.path.includes('/commands')).length;
    expect(puts()).toBe(1);
    await h.restart();
    expect(puts()).toBe(1);
  });

  it('defers, then shows the answer growing edit by edit during a slow stream', async () => {
    const gates = [new Gate('g1'), new Gate('g2')];
    h.openrouter.reply({ steps: [{ content: 'First part.' }, { gate: gates[0]! }, { content: ' Second part.' }, { gate: gates[1]! }, { content: ' Done.' }] });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('Tell me') });

    await h.discord.waitFor(() => interaction.original()?.content === 'First part.', { what: 'first part shown' });
    expect(interaction.acknowledgedWith()).toBe(5);
    gates[0]!.open();
    await h.discord.waitFor(() => interaction.original()?.content === 'First part. Second part.', { what: 'second part shown' });
    gates[1]!.open();
    await h.discord.waitFor(() => hasFooter(interaction.original()?.content), { what: 'footer' });

    const contents = interaction.original()!.edits.map((e) => e.content);
    expect(contents).toContain('First part.');
    expect(contents).toContain('First part. Second part.');
    expect(interaction.original()!.content).toMatch(/^First part\. Second part\. Done\.\n-# openai\/gpt-5-image-mini · \d+ tokens \(\d+ in, \d+ out\) · \$/);
  });

  it('splits a long answer into follow-ups with code fences balanced and no text lost', async () => {
    const code = Array.from({ length: 120 }, (_, i) => `print("line ${i} of a long program")`).join('\n');
    const answer = `Here is the program:\n\n\`\`\`python\n${code}\n\`\`\`\n\n${'And a long explanation sentence. '.repeat(80)}`;
    h.openrouter.reply({ steps: text(answer, { chunkSize: 40 }) });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('code please') });
    await h.discord.waitFor(() => hasFooter(interaction.all().at(-1)?.content), { what: 'final footer', timeoutMs: 15_000 });

    const messages = interaction.all().map((m) => m.content);
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const content of messages) {
      expect(content.length).toBeLessThanOrEqual(2000);
      expect(content.split('\n').filter((l) => l.startsWith('```')).length % 2).toBe(0);
    }
    // A message that continues the code block reopens it with the same language.
    expect(messages.slice(1).some((m) => m.startsWith('```python\n'))).toBe(true);
    const strip = (s: string) => s.replace(/```(python)?/g, '').replace(/-# .*$/m, '').replace(/\s+/g, '');
    expect(strip(messages.join('\n'))).toBe(strip(answer));
  });

  it('keeps the conversation per channel, apart between channels, across a restart, until /reset', async () => {
    const c1 = h.discord.defaultChannelId;
    const c2 = h.discord.createChannel({ name: 'other' });
    const ask = async (channelId: string, prompt: string, answer: string) => {
      h.openrouter.reply({ steps: text(answer) });
      const i = await h.discord.slash({ channelId, name: 'ask', options: askOptions(prompt) });
      await h.discord.waitFor(() => hasFooter(i.original()?.content), { what: `answer to ${prompt}` });
      return h.openrouter.chatRequests().at(-1);
    };
    const said = (body: { messages: { role: string; content: unknown }[] }) => body.messages.filter((m) => m.role !== 'system').map((m) => `${m.role}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`);

    await ask(c1, 'my name is Ada', 'Hello Ada');
    await ask(c2, 'what is 2+2', '4');
    const third = await ask(c1, 'what is my name?', 'Ada');
    expect(said(third)).toEqual([
      expect.stringMatching(/^user: .*: my name is Ada$/),
      'assistant: Hello Ada',
      expect.stringMatching(/^user: .*: what is my name\?$/),
    ]);

    await h.restart();
    const afterRestart = await ask(c1, 'still there?', 'yes');
    expect(said(afterRestart)).toHaveLength(5);
    expect(said(afterRestart).join('\n')).not.toContain('2+2');

    const reset = await h.discord.slash({ channelId: c1, name: 'reset' });
    await h.discord.waitFor(() => reset.original()?.content.includes('forgotten'), { what: 'reset reply' });
    const fresh = await ask(c1, 'who am I?', 'no idea');
    expect(said(fresh)).toEqual([expect.stringMatching(/^user: .*: who am I\?$/)]);
    const otherChannel = await ask(c2, 'and again', 'ok');
    expect(said(otherChannel)).toHaveLength(3);
  });

  it('never lets model output ping anyone', async () => {
    h.openrouter.reply({ steps: text('Hey @everyone and @here, also <@123456789012345678> and <@&123456789012345679>!') });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('ping them') });
    await h.discord.waitFor(() => hasFooter(interaction.original()?.content), { what: 'answer' });
    const writes = h.discord.requests.filter((r) => /\/webhooks\/|\/channels\/\d+\/messages/.test(r.path) && (r.method === 'PATCH' || r.method === 'POST'));
    expect(writes.length).toBeGreaterThan(0);
    // The header that finds the call's state inside the bot never leaves it.
    expect(h.openrouter.chatRecords().map((r) => r.headers['x-bot-call'])).toEqual([undefined]);
    for (const write of writes) {
      const body = write.json as { allowed_mentions?: { parse?: unknown[] } };
      expect(body.allowed_mentions?.parse).toEqual([]);
    }
  });
});

describe('/ask in threads and on Redis', () => {
  it('treats a thread as its own conversation', async () => {
    const parent = h.discord.defaultChannelId;
    const thread = h.discord.createChannel({ name: 'a thread', type: 11, parentId: parent });
    for (const [channelId, prompt] of [[parent, 'in the channel'], [thread, 'in the thread']] as const) {
      h.openrouter.reply({ steps: text('ok') });
      const i = await h.discord.slash({ channelId, name: 'ask', options: askOptions(prompt) });
      await h.discord.waitFor(() => hasFooter(i.original()?.content), { what: prompt });
    }
    const last = h.openrouter.chatRequests().at(-1) as { messages: { role: string; content: string }[] };
    expect(last.messages.filter((m) => m.role !== 'system').map((m) => m.content)).toEqual([expect.stringMatching(/in the thread$/)]);
  });
});
