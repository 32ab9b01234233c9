import { describe, expect, it } from 'vitest';
import { text } from '../fakes/openrouter.js';
import { askOptions, startHarness } from '../helpers/harness.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { hasFooter } from '../helpers/replies.js';

const available = await redisAvailable('the /ask history test on Redis');

describe.skipIf(!available)('/ask with DATABASE_URL on Redis', () => {
  it('keeps the channel’s conversation across a restart', async () => {
    const h = await startHarness({ env: { DATABASE_URL: REDIS_URL }, storeNamespace: `e2e-${process.pid}-${Date.now()}` });
    try {
      const ask = async (prompt: string) => {
        h.openrouter.reply({ steps: text(`answer to ${prompt}`) });
        const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions(prompt) });
        await h.discord.waitFor(() => hasFooter(i.original()?.content), { what: prompt });
        await h.bot.idle();
      };
      await ask('first');
      await h.restart();
      await ask('second');
      const last = h.openrouter.chatRequests().at(-1) as { messages: { role: string; content: string }[] };
      expect(last.messages.filter((m) => m.role !== 'system').map((m) => m.content)).toEqual([
        expect.stringMatching(/first$/),
        'answer to first',
        expect.stringMatching(/second$/),
      ]);
      await h.bot.context.history.reset(h.discord.defaultChannelId);
    } finally {
      await h.close();
    }
  });
});
