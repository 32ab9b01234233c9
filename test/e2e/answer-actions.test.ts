import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FakeInteraction, FakeMessage } from '../fakes/discord.js';
import { Gate, text } from '../fakes/openrouter.js';
import { askOptions, pressTwice, startHarness, TestClock, type Harness } from '../helpers/harness.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { hasFooter, messageWrites } from '../helpers/replies.js';

const redis = await redisAvailable('answer buttons on another process sharing Redis');

let h: Harness;
afterEach(async () => {
  await h.close();
});

const stranger = { id: '123456789012345011', username: 'stranger' };
const moderator = { id: '123456789012345012', username: 'mod' };
const MANAGE_MESSAGES = String(1n << 13n);

type Button = { label: string; custom_id: string; emoji?: { name: string } };
const buttons = (m: FakeMessage) => (m.components as { components: Button[] }[]).flatMap((r) => r.components);
const labels = (m: FakeMessage) => buttons(m).map((b) => b.label);
const button = (m: FakeMessage, label: string) => {
  const found = buttons(m).find((b) => b.label === label);
  if (!found) throw new Error(`no ${label} button on ${m.id}: ${labels(m).join(', ')}`);
  return found.custom_id;
};
const said = (body: { messages: { role: string; content: unknown }[] }) =>
  body.messages.filter((m) => m.role !== 'system').map((m) => `${m.role}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`);
const stored = async () => (await h.bot.context.history.load(h.discord.defaultChannelId)).map((t) => `${t.role}: ${t.content}`);

/** Asks, and resolves with the finished answer's first message (the one with the buttons). */
async function ask(prompt: string, answer: string, reply: Record<string, unknown> = {}): Promise<FakeMessage> {
  h.openrouter.reply({ steps: text(answer), ...reply });
  const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions(prompt) });
  await h.discord.waitFor(() => hasFooter(interaction.all().at(-1)?.content), { what: `answer to ${prompt}` });
  await h.bot.idle();
  return interaction.original()!;
}

/** Presses a button and resolves with the interaction once the bot has handled it. */
async function press(message: FakeMessage, label: string, opts: { user?: { id: string; username: string }; memberPermissions?: string; stale?: boolean } = {}): Promise<FakeInteraction> {
  const pressed = await h.discord.component({ messageId: message.id, customId: button(message, label), ...opts });
  await h.discord.waitFor(() => pressed.acknowledgedWith(), { what: `${label} acknowledged` });
  await h.bot.idle();
  return pressed;
}

/** The new answer a Regenerate or Continue press made, finished, and its turn over (the exchange is stored just after it shows). */
async function newAnswer(pressed: FakeInteraction): Promise<FakeMessage> {
  const answer = await h.discord.waitFor(() => (hasFooter(pressed.all().at(-1)?.content) ? pressed.original() : undefined), { what: 'new answer' });
  await h.bot.idle();
  return answer;
}

describe('Regenerate', () => {
  it('answers the same question again with the same settings, in the conversation it was asked in, replacing the stored answer', async () => {
    h = await startHarness();
    await ask('first question', 'First answer.');
    const old = await ask('second question', 'Old second answer.');
    expect(labels(old)).toEqual(['Regenerate', 'Delete']);
    await ask('third question', 'Third answer.');

    h.openrouter.reply({ steps: text('New second answer.') });
    const pressed = await press(old, 'Regenerate');
    expect(pressed.acknowledgedWith()).toBe(5);
    const fresh = await newAnswer(pressed);
    expect(fresh.content).toMatch(/^New second answer\.\n-# /);
    expect(labels(fresh)).toEqual(['Regenerate', 'Delete']);
    // Asked in the conversation as it was then: the third exchange came later, the old answer is not shown.
    expect(said(h.openrouter.chatRequests().at(-1))).toEqual([
      expect.stringMatching(/^user: tester: first question$/),
      'assistant: First answer.',
      expect.stringMatching(/^user: tester: second question$/),
    ]);
    expect(await stored()).toEqual(['user: first question', 'assistant: First answer.', 'user: second question', 'assistant: New second answer.', 'user: third question', 'assistant: Third answer.']);
    // The old message keeps its words, loses its buttons, and points to the new answer.
    const retired = h.discord.message(old.id)!;
    expect(retired.components).toEqual([]);
    expect(retired.content).toMatch(new RegExp(`^Old second answer\\.\\n-# .*\\n-# 🔄 Regenerated: \\[the new answer\\]\\(https://discord\\.com/channels/${h.discord.guildId}/${h.discord.defaultChannelId}/${fresh.id}\\)$`));
    expect(retired.allowed_mentions).toEqual({ parse: [] });
  });

  it('asks with the settings of the first answer: the channel’s as they were then, and the /ask’s own model, reasoning and temperature', async () => {
    h = await startHarness();
    const channel = { scope: 'channel', id: h.discord.defaultChannelId } as const;
    await h.bot.context.settings.set(channel, { temperature: 0.3, top_p: 0.9, stop: ['END'], system_prompt: 'Be brief.' });
    h.openrouter.reply({ steps: text('First.') });
    const asked = await h.discord.slash({
      channelId: h.discord.defaultChannelId,
      name: 'ask',
      options: [...askOptions('q', { model: 'google/gemini-3-pro-image-preview' }), { name: 'temperature', type: 10, value: 0.7 }, { name: 'reasoning', type: 3, value: 'low' }],
    });
    await h.discord.waitFor(() => hasFooter(asked.original()?.content), { what: 'first answer' });
    await h.bot.idle();
    // What the channel says now doesn't change what Regenerate asks.
    await h.bot.context.settings.set(channel, { model: 'openai/gpt-5-image', temperature: 1.5, top_p: 0.5, stop: ['OTHER'], system_prompt: 'Be long.' });
    h.openrouter.reply({ steps: text('Second.') });
    await newAnswer(await press(asked.original()!, 'Regenerate'));
    const [first, again] = h.openrouter.chatRequests() as Record<string, unknown>[];
    const settingsOf = (body: Record<string, unknown>) => ({ model: body.model, temperature: body.temperature, top_p: body.top_p, stop: body.stop, reasoning: body.reasoning, system: (body.messages as { content: unknown }[])[0]!.content });
    expect(settingsOf(first!)).toEqual({ model: 'google/gemini-3-pro-image-preview', temperature: 0.7, top_p: 0.9, stop: ['END'], reasoning: { effort: 'low' }, system: 'Be brief.' });
    expect(settingsOf(again!)).toEqual(settingsOf(first!));
  });

  it('runs once for two quick presses, and says so to the second', async () => {
    h = await startHarness();
    const old = await ask('q', 'Old.');
    const regenerate = button(old, 'Regenerate');
    const gate = new Gate('regenerated answer');
    h.openrouter.reply({ steps: [{ gate }, ...text('New.')] });
    const { first, second } = await pressTwice(h.discord, { messageId: old.id, customId: regenerate }, gate);
    expect(second.original()!.content).toBe('Already on it: this button is running.');
    expect(second.original()!.flags & 64).toBe(64);
    gate.open();
    await newAnswer(first);
    await h.bot.idle();
    expect(h.openrouter.chatRequests()).toHaveLength(2);
    // The old message has no buttons now; a client that still showed them gets told.
    const late = await h.discord.component({ messageId: old.id, customId: regenerate, stale: true });
    expect(await h.discord.waitFor(() => late.original()?.content || undefined, { what: 'late press answered' })).toMatch(/already regenerated/);
    expect(h.openrouter.chatRequests()).toHaveLength(2);
  });

  it('goes through the asker’s limits like a new request', async () => {
    h = await startHarness({ env: { USER_RATE_LIMIT: '1', USER_RATE_WINDOW_S: '3600' } });
    const old = await ask('q', 'Old.');
    const pressed = await press(old, 'Regenerate');
    expect(await h.discord.waitFor(() => pressed.original()?.content || undefined, { what: 'refusal' })).toMatch(/^⏳ You’ve asked a lot/);
    expect(h.openrouter.chatRequests()).toHaveLength(1);
    // Refused, not used: the buttons are still there for later.
    expect(labels(h.discord.message(old.id)!)).toEqual(['Regenerate', 'Delete']);
  });

  it('is refused while the asker already has as many answers running as USER_MAX_CONCURRENT, and works once it finished', async () => {
    h = await startHarness({ env: { USER_MAX_CONCURRENT: '1' } });
    const old = await ask('q', 'Old.');
    const gate = new Gate('another answer');
    h.openrouter.reply({ steps: [{ gate }, ...text('Slow.')] });
    const slow = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('slow') });
    await gate.reached;
    const refused = await h.discord.component({ messageId: old.id, customId: button(old, 'Regenerate') });
    expect(await h.discord.waitFor(() => refused.original()?.content || undefined, { what: 'refusal' })).toMatch(/^⏳ You already have 1 answer in progress/);
    expect(h.openrouter.chatRequests()).toHaveLength(2);
    gate.open();
    await h.discord.waitFor(() => hasFooter(slow.original()?.content), { what: 'slow answer' });
    await h.bot.idle();
    h.openrouter.reply({ steps: text('New.') });
    expect((await newAnswer(await press(old, 'Regenerate'))).content).toMatch(/^New\./);
  });

  it('is refused by a budget the asker has used up, and nothing is sent', async () => {
    const DAY = 86_400_000;
    // 20:00 UTC: the budget day doesn't turn while the test runs.
    h = await startHarness({ env: { HISTORY_MAX_TOKENS: '1000', MAX_ANSWER_TOKENS: '1000', BUDGET_USER_DAILY_USD: '0.02' }, clock: new TestClock(Math.floor(Date.now() / DAY) * DAY + 20 * 3_600_000) });
    const old = await ask('q', 'Dear.', { usage: { cost: 0.03 } });
    const pressed = await press(old, 'Regenerate');
    expect(await h.discord.waitFor(() => pressed.original()?.content || undefined, { what: 'refusal' })).toMatch(/^💸 You’ve used \$0\.03 of your \$0\.02 daily budget/);
    expect(h.openrouter.chatRequests()).toHaveLength(1);
    expect(labels(h.discord.message(old.id)!)).toEqual(['Regenerate', 'Delete']);
  });
});

describe('Continue', () => {
  it('appears only when the length limit cut the answer off, and continues it in a new message, the history holding the whole', async () => {
    h = await startHarness();
    const whole = await ask('short one', 'Complete.');
    expect(labels(whole)).not.toContain('Continue');
    const cut = await ask('tell a long story', 'Once upon a time there was @everyone', { finishReason: 'length' });
    expect(labels(cut)).toEqual(['Regenerate', 'Continue', 'Delete']);
    expect(buttons(cut).map((b) => b.emoji?.name)).toEqual(['🔄', '⏩', '🗑️']);

    h.openrouter.reply({ steps: text(' and <@123456789012345678>, a bot that finished its stories.') });
    const pressed = await press(cut, 'Continue');
    const more = await newAnswer(pressed);
    expect(more.content).toMatch(/^ and <@123456789012345678>, a bot that finished its stories\.\n-# /);
    expect(labels(more)).toEqual(['Regenerate', 'Delete']);
    const request = said(h.openrouter.chatRequests().at(-1));
    expect(request.slice(-3)).toEqual([expect.stringMatching(/^user: tester: tell a long story$/), 'assistant: Once upon a time there was @everyone', expect.stringMatching(/^user: Continue your previous answer exactly where it stopped/)]);
    expect((await stored()).slice(-2)).toEqual(['user: tell a long story', 'assistant: Once upon a time there was @everyone and <@123456789012345678>, a bot that finished its stories.']);
    expect(h.discord.message(cut.id)!.components).toEqual([]);
    expect(h.discord.message(cut.id)!.content).toMatch(/\n-# ⏩ Continued in \[the next message\]/);

    // Nothing any of it sent, the buttons' own messages and edits included, may ping anyone.
    const writes = messageWrites(h.discord.requests);
    expect(writes.length).toBeGreaterThan(5);
    for (const w of writes) expect(w.body.allowed_mentions?.parse, w.what).toEqual([]);

    // Delete under the continuation removes both parts and the exchange.
    await press(more, 'Delete');
    expect(h.discord.message(cut.id)!.deleted).toBe(true);
    expect(h.discord.message(more.id)!.deleted).toBe(true);
    expect(await stored()).toEqual(['user: short one', 'assistant: Complete.']);
  });
});

describe('Delete', () => {
  it('removes every message of the answer and the exchange from the conversation', async () => {
    h = await startHarness();
    await ask('keep me', 'Kept.');
    h.openrouter.reply({ steps: text('Word '.repeat(600), { chunkSize: 200 }) });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('a long one') });
    await h.discord.waitFor(() => hasFooter(interaction.all().at(-1)?.content), { what: 'long answer' });
    await h.bot.idle();
    const parts = interaction.all();
    expect(parts.length).toBeGreaterThan(1);
    expect(labels(parts[0]!)).toEqual(['Regenerate', 'Delete']);

    const pressed = await press(parts[0]!, 'Delete');
    expect(pressed.acknowledgedWith()).toBe(6);
    for (const part of parts) expect(h.discord.message(part.id)!.deleted).toBe(true);
    expect(await stored()).toEqual(['user: keep me', 'assistant: Kept.']);
    // The next question doesn't see the deleted exchange.
    await ask('and now?', 'ok');
    expect(said(h.openrouter.chatRequests().at(-1)).join('\n')).not.toContain('Word');
  });

  it('removes the regenerated versions too', async () => {
    h = await startHarness();
    const old = await ask('q', 'Version one.');
    h.openrouter.reply({ steps: text('Version two.') });
    const fresh = await newAnswer(await press(old, 'Regenerate'));
    await press(fresh, 'Delete');
    expect(h.discord.message(old.id)!.deleted).toBe(true);
    expect(h.discord.message(fresh.id)!.deleted).toBe(true);
    expect(await stored()).toEqual([]);
  });
});

describe('an exchange that could not be stored', () => {
  const UNSAVED = '⚠️ This exchange could not be saved to the channel’s memory; the next question won’t see it.';

  /** Holds every exchange's write in the store until the returned function is called. */
  function holdWrites(): () => void {
    const history = h.bot.context.history;
    const append = history.append.bind(history);
    let land!: () => void;
    const landed = new Promise<void>((resolve) => (land = resolve));
    history.append = async (...args) => {
      await landed;
      return append(...args);
    };
    return land;
  }

  /** Resolves once something in a channel begins to wait for the exchanges landing there. */
  function nextWait(): Promise<void> {
    const flight = h.bot.context.landing.exchanges;
    const settled = flight.settled.bind(flight);
    return new Promise((resolve) => {
      flight.settled = (channelId) => {
        const done = settled(channelId);
        resolve();
        return done;
      };
    });
  }

  it('the final answer does not wait for the memory: it shows with its buttons while the write is under way, and a press meanwhile works once it lands', async () => {
    h = await startHarness();
    const land = holdWrites();
    h.openrouter.reply({ steps: text('The answer.') });
    const interaction = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('q') });
    const shown = await h.discord.waitFor(() => (hasFooter(interaction.original()?.content) ? interaction.original() : undefined), { what: 'the final answer' });
    expect(labels(shown)).toEqual(['Regenerate', 'Delete']);
    const waited = nextWait();
    const pressed = await h.discord.component({ messageId: shown.id, customId: button(shown, 'Delete') });
    // Answered without waiting, it would be answered while the write is held.
    await Promise.race([waited, h.discord.waitFor(() => pressed.acknowledgedWith(), { what: 'the press answered' })]);
    land();
    await h.discord.waitFor(() => h.discord.message(shown.id)!.deleted, { what: 'deleted' });
    expect(pressed.original()?.content ?? '').not.toMatch(/no longer/);
    await h.bot.idle();
    expect(await stored()).toEqual([]);
  });

  it('a follow-up asked while the exchange before it is being written is asked with it', async () => {
    h = await startHarness();
    const land = holdWrites();
    h.openrouter.reply({ steps: text('The answer.') });
    const first = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('q') });
    await h.discord.waitFor(() => hasFooter(first.original()?.content), { what: 'the first answer' });
    const waited = nextWait();
    h.openrouter.reply({ steps: text('The second.') });
    const second = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('q2') });
    // Asked without waiting, it would reach the model while the write is held.
    await Promise.race([waited, h.discord.waitFor(() => h.openrouter.chatRequests().length === 2, { what: 'the follow-up asked' })]);
    land();
    await h.discord.waitFor(() => hasFooter(second.original()?.content), { what: 'the second answer' });
    expect(said(h.openrouter.chatRequests().at(-1))).toEqual(['user: tester: q', 'assistant: The answer.', 'user: tester: q2']);
  });

  it('shows the answer all the same, then says so in it and takes its buttons away', async () => {
    h = await startHarness();
    h.bot.context.history.append = async () => {
      throw new Error('disk full');
    };
    const answer = await ask('q', 'The answer.');
    await h.discord.waitFor(() => h.discord.message(answer.id)!.content.includes(UNSAVED), { what: 'the notice' });
    const final = h.discord.message(answer.id)!;
    expect(final.content).toMatch(new RegExp(`^The answer\\.\\n\\n${UNSAVED}\\n-# `));
    expect(final.components).toEqual([]);
    expect(h.logs.lines().some((l) => l.msg === 'could not store the conversation' && l.level === 50)).toBe(true);
  });

  it('a Regenerate whose exchange went while it ran (a /reset) says there is nothing to redo, without buttons', async () => {
    h = await startHarness();
    const old = await ask('q', 'Old.');
    const gate = new Gate('regenerated answer');
    h.openrouter.reply({ steps: [{ gate }, ...text('New.')] });
    const pressed = await h.discord.component({ messageId: old.id, customId: button(old, 'Regenerate') });
    await gate.reached;
    await h.bot.context.history.reset(h.discord.defaultChannelId);
    gate.open();
    const fresh = await h.discord.waitFor(() => (pressed.original()?.content.includes('nothing to redo') ? pressed.original() : undefined), { what: 'the notice' });
    expect(fresh.content).toMatch(/^New\.\n\n⚠️ There’s nothing to redo: .*\n-# /s);
    expect(fresh.components).toEqual([]);
    expect(await stored()).toEqual([]);
  });
});

describe('the rules of every answer button', () => {
  it('refuses a stranger privately; a moderator may act on anyone’s answer', async () => {
    h = await startHarness();
    const answer = await ask('mine', 'An answer.');
    const refused = await press(answer, 'Delete', { user: stranger, memberPermissions: '0' });
    expect(refused.original()!.content).toBe('Only the person who asked (or someone with Manage Messages) can use this button.');
    expect(refused.original()!.flags & 64).toBe(64);
    expect(h.discord.message(answer.id)!.deleted).toBe(false);
    await press(answer, 'Delete', { user: moderator, memberPermissions: MANAGE_MESSAGES });
    expect(h.discord.message(answer.id)!.deleted).toBe(true);
  });

  it('keeps working after a restart', async () => {
    h = await startHarness();
    const old = await ask('before the restart', 'Before.');
    await h.restart();
    h.openrouter.reply({ steps: text('After.') });
    const fresh = await newAnswer(await press(old, 'Regenerate'));
    expect(fresh.content).toMatch(/^After\./);
    expect(await stored()).toEqual(['user: before the restart', 'assistant: After.']);
  });

  it.skipIf(!redis)('work on another bot process sharing the store', async () => {
    h = await startHarness({ env: { DATABASE_URL: REDIS_URL }, storeNamespace: `answer-actions-${process.pid}-${Date.now()}` });
    const old = await ask('asked of the first process', 'First.');
    // The second process is up before the first goes: Discord sends the press to whichever holds the session.
    const second = await h.another();
    await h.bot.stop();
    h.bot = second;
    h.openrouter.reply({ steps: text('Answered by the second.') });
    const fresh = await newAnswer(await press(old, 'Regenerate'));
    expect(fresh.content).toMatch(/^Answered by the second\./);
    expect(await stored()).toEqual(['user: asked of the first process', 'assistant: Answered by the second.']);
    await h.bot.context.history.reset(h.discord.defaultChannelId);
  });

  it('says there is nothing to redo after /reset, and that the buttons expired after BUTTON_TTL_HOURS', async () => {
    h = await startHarness();
    const answer = await ask('q', 'A.');
    const reset = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'reset' });
    await h.discord.waitFor(() => reset.original()?.content.includes('forgotten'), { what: 'reset' });
    const afterReset = await press(answer, 'Regenerate');
    expect(afterReset.original()!.content).toMatch(/^There’s nothing to redo/);
    expect(afterReset.original()!.flags & 64).toBe(64);

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 24 * 3_600_000 + 1_000 });
    try {
      const late = await press(answer, 'Delete');
      expect(late.original()!.content).toBe('These buttons have expired: they work for 24 h after the answer.');
      expect(h.discord.message(answer.id)!.deleted).toBe(false);
    } finally {
      vi.useRealTimers();
    }
    expect(h.openrouter.chatRequests()).toHaveLength(1);
  });

  it('work for BUTTON_TTL_HOURS as set, on the bot’s clock, then say so', async () => {
    const clock = new TestClock(Date.now());
    h = await startHarness({ env: { BUTTON_TTL_HOURS: '2' }, clock });
    const shownAt = clock.time!;
    const early = await ask('first', 'A.');
    const other = await ask('second', 'B.');
    clock.time = shownAt + 2 * 3_600_000 - 1_000;
    h.openrouter.reply({ steps: text('Still in time.') });
    expect((await newAnswer(await press(early, 'Regenerate'))).content).toMatch(/^Still in time\./);
    clock.time = shownAt + 2 * 3_600_000 + 1_000;
    const late = await press(other, 'Delete');
    expect(late.original()!.content).toBe('These buttons have expired: they work for 2 h after the answer.');
    expect(late.original()!.flags & 64).toBe(64);
    expect(h.discord.message(other.id)!.deleted).toBe(false);
  });

  it('are under answers to mentions too, and work there', async () => {
    h = await startHarness();
    h.openrouter.reply({ steps: text('Mention answer.') });
    const question = h.discord.postUserMessage({ channelId: h.discord.defaultChannelId, content: 'hello bot', mentionsBot: true });
    const answer = await h.discord.waitFor(() => h.discord.messages(h.discord.defaultChannelId).find((m) => m.message_reference?.message_id === question.id && hasFooter(m.content)), { what: 'mention answer' });
    await h.bot.idle();
    expect(labels(answer)).toEqual(['Regenerate', 'Delete']);
    h.openrouter.reply({ steps: text('Regenerated mention answer.') });
    const fresh = await newAnswer(await press(answer, 'Regenerate'));
    expect(fresh.content).toMatch(/^Regenerated mention answer\./);
    expect(await stored()).toEqual(['user: hello bot', 'assistant: Regenerated mention answer.']);
    expect(buttons(fresh).every((b) => b.custom_id.length <= 100)).toBe(true);
  });
});
