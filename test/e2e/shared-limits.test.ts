import { afterEach, describe, expect, it } from 'vitest';
import { Gate, text } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { FOOTER } from '../helpers/replies.js';

const available = await redisAvailable('the user limits shared across processes');

let bots: Harness[] = [];
afterEach(async () => {
  await Promise.all(bots.map((b) => b.close()));
  bots = [];
});

const same = { id: '123456789012345555', username: 'same-person' };

/** Two bot processes' worth (two clients, two fakes of their shards) sharing one Redis. */
async function twoBots(env: Record<string, string>): Promise<[Harness, Harness]> {
  const storeNamespace = `limits-${process.pid}-${Date.now()}`;
  const start = () => startHarness({ env: { DATABASE_URL: REDIS_URL, ...env }, storeNamespace });
  bots = [await start(), await start()];
  return bots as [Harness, Harness];
}

async function ask(h: Harness, prompt: string) {
  const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions(prompt), user: same });
  return h.discord.waitFor(() => (new RegExp(`${FOOTER.source}|^⏳`, 'm').test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: prompt });
}

describe.skipIf(!available)('user limits with several processes on one Redis', () => {
  it('a user’s rate limit holds across processes', async () => {
    const [a, b] = await twoBots({ USER_RATE_LIMIT: '2', USER_RATE_WINDOW_S: '3600' });
    expect(await ask(a, 'one')).toMatch(FOOTER);
    expect(await ask(b, 'two')).toMatch(FOOTER);
    expect(await ask(a, 'three')).toMatch(/^⏳ You’ve asked a lot in a short time\. Try again in \d+ s\./);
    expect(await ask(b, 'four')).toMatch(/^⏳ You’ve asked a lot/);
    expect(a.openrouter.chatRequests().length + b.openrouter.chatRequests().length).toBe(2);
  });

  it('a user’s concurrency cap holds across processes, and the slot comes back when the answer ends', async () => {
    const [a, b] = await twoBots({ USER_MAX_CONCURRENT: '1' });
    const gate = new Gate('first answer');
    a.openrouter.reply({ steps: [{ gate }, ...text('slow')] });
    const first = await a.discord.slash({ channelId: a.discord.defaultChannelId, name: 'ask', options: askOptions('slow one'), user: same });
    await gate.reached;
    expect(await ask(b, 'meanwhile')).toMatch(/^⏳ You already have 1 answer in progress/);
    gate.open();
    await a.discord.waitFor(() => FOOTER.test(first.original()?.content ?? ''), { what: 'first answer' });
    await a.bot.idle();
    expect(await ask(b, 'now')).toMatch(FOOTER);
  });
});
