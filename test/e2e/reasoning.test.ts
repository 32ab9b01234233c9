import { Routes } from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Gate, text } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { hasFooter } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const MANAGE_CHANNELS = String(1n << 4n);

/** A reasoning model: summaries, then encrypted reasoning, then the answer, each step held until the test opens its gate. */
function thinkingReply() {
  const gates = { first: new Gate('first reasoning shown'), second: new Gate('more reasoning shown'), answer: new Gate('answer') };
  h.openrouter.reply({
    steps: [
      { reasoning: '**Reading the question**\n\nThe user wants a haiku about rain.', as: 'summary' },
      { gate: gates.first },
      { reasoning: ' Counting syllables: five, seven, five.', as: 'summary' },
      { encryptedReasoning: 'gAAAAABpF-opaque' },
      { gate: gates.second },
      ...text('Soft rain on the roof'),
    ],
  });
  return gates;
}

describe('reasoning, visible while it happens', () => {
  it('shows that the model is thinking and what it thinks before the answer, then gives way to the answer', async () => {
    h = await startHarness();
    const gates = thinkingReply();
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('a haiku about rain') });

    const first = await h.discord.waitFor(() => {
      const c = interaction.original()?.content;
      return c && /^-# 💭 Thinking… \d+ s\n-# Reading the question The user wants a haiku about rain\.$/.test(c) ? c : undefined;
    }, { what: 'thinking with the first reasoning' });
    expect(first).not.toContain('**');
    gates.first.open();
    await h.discord.waitFor(() => interaction.original()?.content.includes('Counting syllables: five, seven, five.'), { what: 'newer reasoning shown' });
    gates.second.open();
    gates.answer.open();
    const final = await h.discord.waitFor(() => (hasFooter(interaction.original()?.content) ? interaction.original()! : undefined), { what: 'final answer' });

    expect(final.content).toMatch(/^Soft rain on the roof\n-# 💭 thought for \d+ s\n-# openai\/gpt-5-image-mini · \d+ tokens \(\d+ in, \d+ out incl\. 3 reasoning\) · \$/);
    expect(final.content).not.toMatch(/Thinking|syllables|Reading/);
    // Every thinking edit came before the first edit with the answer's text.
    const edits = final.edits.map((e) => e.content);
    const firstAnswer = edits.findIndex((c) => c.startsWith('Soft'));
    expect(edits.slice(0, firstAnswer).every((c) => c === '' || c.startsWith('-# 💭 Thinking…'))).toBe(true);
    expect(edits.slice(firstAnswer).every((c) => !c.includes('Thinking'))).toBe(true);
    // No more requests than the bucket allows (5 per 5 s here), and none refused.
    expect(h.discord.requests.filter((r) => r.status === 429)).toHaveLength(0);

    // The reasoning is not part of the conversation the model sees next time.
    h.openrouter.reply({ steps: text('ok') });
    const again = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('another') });
    await h.discord.waitFor(() => hasFooter(again.original()?.content), { what: 'second answer' });
    const sent = JSON.stringify(h.openrouter.chatRequests().at(-1).messages);
    expect(sent).toContain('Soft rain on the roof');
    expect(sent).not.toMatch(/syllables|Reading the question/);
  });

  it('reads reasoning sent only as delta.reasoning, or only as reasoning_details text or summary', async () => {
    h = await startHarness();
    const gates = [new Gate('plain reasoning shown'), new Gate('text detail shown'), new Gate('summary detail shown')];
    h.openrouter.reply({
      steps: [
        { reasoning: 'Weighing the options.', via: 'reasoning' },
        { gate: gates[0]! },
        { reasoning: ' Checking the facts.', as: 'text', via: 'details' },
        { gate: gates[1]! },
        { reasoning: ' Settling on one.', as: 'summary', via: 'details' },
        { gate: gates[2]! },
        ...text('The answer.'),
      ],
    });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('pick one') });
    const shown = ['Weighing the options.', 'Weighing the options. Checking the facts.', 'Weighing the options. Checking the facts. Settling on one.'];
    for (const [i, excerpt] of shown.entries()) {
      // Each step is held at its gate: this edit can only come from the reasoning sent so far.
      await h.discord.waitFor(() => interaction.original()?.content.endsWith(`\n-# ${excerpt}`), { what: `thinking shows step ${i + 1}` });
      expect(interaction.original()!.content).toMatch(/^-# 💭 Thinking… \d+ s\n/);
      gates[i]!.open();
    }
    const final = await h.discord.waitFor(() => (hasFooter(interaction.original()?.content) ? interaction.original()!.content : undefined), { what: 'final answer' });
    expect(final).toMatch(/^The answer\.\n-# 💭 thought for \d+ s\n/);
  });

  it('keeps the full reasoning behind a Reasoning button, privately, across a restart', async () => {
    h = await startHarness();
    const gates = thinkingReply();
    Object.values(gates).forEach((g) => g.open());
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('a haiku about rain') });
    const final = await h.discord.waitFor(() => (hasFooter(interaction.original()?.content) ? interaction.original()! : undefined), { what: 'final answer' });
    const row = final.components[0] as { components: { label: string; custom_id: string }[] };
    expect(row.components.map((b) => b.label)).toEqual(['Regenerate', 'Delete', 'Reasoning']);
    const customId = row.components[2]!.custom_id;

    await h.restart();
    const someoneElse = { id: '123456789012345670', username: 'curious' };
    const press = await h.discord.component({ messageId: final.id, customId, user: someoneElse });
    const reply = await h.discord.waitFor(() => press.original()?.content || undefined, { what: 'reasoning reply' });
    expect(press.original()!.flags & 64).toBe(64);
    // Reasoning is model output: it pings nobody, whatever it says.
    expect(press.acceptedCallback()).toMatchObject({ type: 4, data: { allowed_mentions: { parse: [] } } });
    expect(reply).toBe(
      '💭 **Reasoning** of `openai/gpt-5-image-mini` (thought for ' +
        reply.match(/thought for (\d+ s)/)![1] +
        ')\n>>> **Reading the question**\n\nThe user wants a haiku about rain. Counting syllables: five, seven, five.',
    );
  });

  it('attaches long reasoning as a file, and says when it is no longer kept', async () => {
    h = await startHarness();
    const long = 'A step of careful thought. '.repeat(120);
    h.openrouter.reply({ steps: [{ reasoning: long }, ...text('Done.')] });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('think a lot') });
    const final = await h.discord.waitFor(() => (hasFooter(interaction.original()?.content) ? interaction.original()! : undefined), { what: 'final' });
    const customId = (final.components[0] as { components: { label: string; custom_id: string }[] }).components.find((b) => b.label === 'Reasoning')!.custom_id;
    const press = await h.discord.component({ messageId: final.id, customId });
    await h.discord.waitFor(() => press.original()?.attachments.length, { what: 'reasoning file' });
    const file = press.original()!.attachments[0]!;
    expect(file.filename).toBe('reasoning.md');
    expect(h.discord.attachmentData(file.id)!.toString('utf8')).toBe(`# Reasoning of openai/gpt-5-image-mini\n\n${long}\n`);

    // A day later (the clock moved on; nothing was deleted by hand) the store has let it go.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 24 * 3_600_000 + 1_000 });
    try {
      const later = await h.discord.component({ messageId: final.id, customId });
      expect(await h.discord.waitFor(() => later.original()?.content || undefined, { what: 'expired reply' })).toBe(
        'This answer’s reasoning is no longer kept (it is kept for 24 h).',
      );
      expect(later.original()!.flags & 64).toBe(64);
    } finally {
      vi.useRealTimers();
    }
  });

  it('with show_reasoning off, shows only that it is thinking, and no Reasoning button', async () => {
    h = await startHarness();
    const set = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'settings', memberPermissions: MANAGE_CHANNELS, options: [{ name: 'set', type: 1, options: [{ name: 'show_reasoning', type: 5, value: false }] }] });
    await h.discord.waitFor(() => set.original()?.content.startsWith('✅'), { what: 'set' });
    const gates = thinkingReply();
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('a haiku about rain') });
    await h.discord.waitFor(() => /^-# 💭 Thinking… \d+ s$/.test(interaction.original()?.content ?? ''), { what: 'thinking, no excerpt' });
    Object.values(gates).forEach((g) => g.open());
    const final = await h.discord.waitFor(() => (hasFooter(interaction.original()?.content) ? interaction.original()! : undefined), { what: 'final' });
    expect(final.edits.some((e) => e.content.includes('haiku about rain.'))).toBe(false);
    expect(final.content).toMatch(/-# 💭 thought for \d+ s/);
    expect((final.components[0] as { components: { label: string }[] }).components.map((b) => b.label)).toEqual(['Regenerate', 'Delete']);
  });

  it('shows a timer, with nothing to read, for encrypted-only reasoning and for a silent model; only the one that reasoned thought', async () => {
    h = await startHarness();
    const cases = [
      { first: { encryptedReasoning: 'gAAAAABpF-opaque' }, footer: /^Here\.\n-# 💭 thought for \d+ s\n-# openai\/gpt-5-image-mini · / },
      { first: { comment: 'OPENROUTER PROCESSING' }, footer: /^Here\.\n-# openai\/gpt-5-image-mini · / },
    ];
    for (const { first, footer } of cases) {
      const gate = new Gate(JSON.stringify(first));
      // No reasoning tokens in the usage: only the encrypted delta can tell the bot the model thought.
      h.openrouter.reply({ steps: [first, { gate }, ...text('Here.')], usage: { completion_tokens_details: null } });
      const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('slow one') });
      await h.discord.waitFor(() => /^-# 💭 Thinking… \d+ s$/.test(interaction.original()?.content ?? ''), { what: 'timer, nothing to read' });
      gate.open();
      const final = await h.discord.waitFor(() => (hasFooter(interaction.original()?.content) ? interaction.original()! : undefined), { what: 'final' });
      expect(final.content).toMatch(footer);
      expect(final.edits.some((e) => e.content.includes('gAAAA'))).toBe(false);
    }
  });

  it('answers a button nobody handles privately, and logs it', async () => {
    h = await startHarness();
    const row = (customId: string) => ({ type: 1, components: [{ type: 2, style: 2, label: 'Old', custom_id: customId }] });
    const posted = (await h.bot.client.rest.post(Routes.channelMessages(h.discord.defaultChannelId), {
      body: { content: 'a message from an older version of the bot', components: [row('legacy:1'), row('reasoning:not-a-uuid')] },
    })) as { id: string };
    for (const customId of ['legacy:1', 'reasoning:not-a-uuid']) {
      const press = await h.discord.component({ messageId: posted.id, customId });
      expect(await h.discord.waitFor(() => press.original()?.content || undefined, { what: `reply to ${customId}` })).toBe('This button no longer does anything.');
      expect(press.original()!.flags & 64).toBe(64);
    }
    expect(h.logs.lines().filter((l) => l.msg === 'a button or modal nobody handles').map((l) => l.customId)).toEqual(['legacy:1', 'reasoning:not-a-uuid']);
  });
});
