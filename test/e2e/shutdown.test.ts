import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord, type FakeInteraction } from '../fakes/discord.js';
import { FakeOpenRouter, Gate } from '../fakes/openrouter.js';
import { askOptions, fakeEnv, OPENROUTER_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { spawnBot } from '../helpers/process.js';

const final = (i: FakeInteraction) => i.original()?.content ?? '';

describe('shutting down in-process', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('lets an answer that finishes within the grace period end normally', async () => {
    h = await startHarness({ env: { SHUTDOWN_GRACE_MS: '20000' } });
    const gate = new Gate();
    h.openrouter.reply({ steps: [{ content: 'Almost' }, { gate }, { content: ' done.' }] });
    const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('q') });
    await h.discord.waitFor(() => final(i) === 'Almost', { what: 'partial' });
    const stopped = h.bot.stop();
    gate.open();
    await stopped;
    expect(final(i)).toMatch(/^Almost done\.\n-# /);
  });

  it('ends answers still running after the grace period with a notice, and stores them as interrupted', async () => {
    h = await startHarness({ env: { SHUTDOWN_GRACE_MS: '100' } });
    h.openrouter.reply({ steps: [{ content: 'Halfway' }, { stall: true }] });
    const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('q') });
    await h.discord.waitFor(() => final(i) === 'Halfway', { what: 'partial' });
    const channelId = h.discord.defaultChannelId;
    await h.bot.stop();
    expect(final(i)).toMatch(/^Halfway\n\n⚠️ The bot is restarting, so this answer stops here\. Ask again in a minute\.\n-# /);
    expect(h.openrouter.streamsOpen()).toBe(0);
    await h.restart();
    const stored = await h.bot.context.history.load(channelId);
    expect(stored.map((t) => t.content)).toEqual([expect.stringMatching(/^q$/), 'Halfway\n\n[answer interrupted]']);
  });
});

describe('SIGTERM on the real process', () => {
  it('finalizes the running answer with a notice and exits 0', async () => {
    const discord = await FakeDiscord.start();
    const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
    const bot = spawnBot((dir) => ({ ...fakeEnv(discord, openrouter, dir), SHUTDOWN_GRACE_MS: '100' }));
    try {
      await discord.waitFor(() => discord.commands(discord.guildId).length > 0, { what: 'bot ready', timeoutMs: 20_000 });
      openrouter.reply({ steps: [{ content: 'Working on it' }, { stall: true }] });
      const i = await discord.slash({ channelId: discord.defaultChannelId, name: 'ask', options: askOptions('long one') });
      await discord.waitFor(() => final(i) === 'Working on it', { what: 'partial' });
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
      expect(final(i)).toMatch(/^Working on it\n\n⚠️ The bot is restarting/);
      expect(bot.output()).toContain('"msg":"shutting down"');
    } finally {
      bot.cleanup();
      await Promise.all([discord.stop(), openrouter.stop()]);
    }
  }, 40_000);
});
