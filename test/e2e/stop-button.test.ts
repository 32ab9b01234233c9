import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeInteraction } from '../fakes/discord.js';
import { Gate } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { FOOTER } from '../helpers/replies.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const stranger = { id: '123456789012345001', username: 'stranger' };
const moderator = { id: '123456789012345002', username: 'mod' };
const MANAGE_MESSAGES = String(1n << 13n);

type Row = { components: { custom_id: string; label: string }[] };
const labels = (i: FakeInteraction) => (i.original()!.components as Row[]).flatMap((r) => r.components.map((b) => b.label));
const buttonOf = (i: FakeInteraction) => (i.original()?.components as Row[] | undefined)?.[0]?.components[0];

async function streamingAnswer(): Promise<{ interaction: FakeInteraction; customId: string; gate: Gate }> {
  const gate = new Gate();
  h.openrouter.reply({ steps: [{ content: 'Start of a long answer' }, { gate }, { content: ' that goes on' }, { stall: true }] });
  const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('tell me everything') });
  const button = await h.discord.waitFor(() => (interaction.original()?.content === 'Start of a long answer' ? buttonOf(interaction) : undefined), { what: 'stop button' });
  expect(button.label).toBe('Stop');
  return { interaction, customId: button.custom_id, gate };
}

describe('the Stop button', () => {
  it('only the asker or a moderator can press; it aborts upstream and keeps what arrived', async () => {
    const { interaction, customId, gate } = await streamingAnswer();

    const denied = await h.discord.component({ messageId: interaction.original()!.id, customId, user: stranger, memberPermissions: '0' });
    await h.discord.waitFor(() => denied.original(), { what: 'refusal' });
    expect(denied.original()!.content).toMatch(/Only the person who asked \(or someone with Manage Messages\) can use this button/);
    expect(denied.original()!.flags & 64).toBe(64);

    gate.open();
    await h.discord.waitFor(() => interaction.original()!.content === 'Start of a long answer that goes on', { what: 'still streaming' });
    const pressed = await h.discord.component({ messageId: interaction.original()!.id, customId, user: moderator, memberPermissions: MANAGE_MESSAGES });
    await h.discord.waitFor(() => FOOTER.test(interaction.original()!.content), { what: 'final' });
    expect(pressed.acknowledgedWith()).toBe(6);
    expect(interaction.original()!.content).toMatch(/^Start of a long answer that goes on\n\n⏹️ Stopped\.\n-# /);
    expect(labels(interaction)).toEqual(['Regenerate', 'Delete']);
    await h.openrouter.waitFor(() => h.openrouter.chatRecords().at(-1)?.response.state === 'aborted', { what: 'upstream aborted' });
    await h.bot.idle();
    const stored = await h.bot.context.history.load(h.discord.defaultChannelId);
    expect(stored.at(-1)!.content).toBe('Start of a long answer that goes on\n\n[answer interrupted]');
  });

  it('the asker can stop; a press after the end says it has finished', async () => {
    const { interaction, customId } = await streamingAnswer();
    await h.discord.component({ messageId: interaction.original()!.id, customId, user: h.discord.user });
    await h.discord.waitFor(() => /⏹️ Stopped\./.test(interaction.original()!.content), { what: 'stopped' });
    await h.bot.idle();
    // The button is gone by now; the user's client still showed it when they pressed.
    const late = await h.discord.component({ messageId: interaction.original()!.id, customId, user: h.discord.user, stale: true });
    await h.discord.waitFor(() => late.original(), { what: 'late answer' });
    expect(late.original()!.content).toBe('This answer has already finished.');
  });

  it('gives way to the answer’s own buttons when the answer is finished', async () => {
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('short') });
    await h.discord.waitFor(() => FOOTER.test(interaction.original()?.content ?? ''), { what: 'final' });
    await h.bot.idle();
    expect(labels(interaction)).toEqual(['Regenerate', 'Delete']);
  });
});
