import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChannelHistory } from '../../src/conversation/history.js';
import { openStore } from '../../src/storage.js';
import { FakeDiscord } from '../fakes/discord.js';
import { FakeOpenRouter } from '../fakes/openrouter.js';
import { askOptions, fakeEnv, OPENROUTER_KEY } from '../helpers/harness.js';
import { spawnBot } from '../helpers/process.js';
import { captureLogs } from '../helpers/logs.js';
import { FOOTER } from '../helpers/replies.js';


describe('SIGKILL mid-stream', () => {
  it('leaves storage that opens cleanly, with earlier turns intact and the interrupted one absent', async () => {
    const discord = await FakeDiscord.start();
    const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
    const bot = spawnBot((dir) => fakeEnv(discord, openrouter, dir));
    const databaseUrl = `sqlite://${join(bot.dir, 'bot.sqlite')}`;
    try {
      await discord.waitFor(() => discord.commands(discord.guildId).length > 0, { what: 'bot ready', timeoutMs: 20_000 });
      openrouter.reply({ steps: [{ content: 'A complete answer.' }] });
      const first = await discord.slash({ channelId: discord.defaultChannelId, name: 'ask', options: askOptions('first question') });
      await discord.waitFor(() => FOOTER.test(first.original()?.content ?? ''), { what: 'first answer' });
      openrouter.reply({ steps: [{ content: 'Cut off' }, { stall: true }] });
      const second = await discord.slash({ channelId: discord.defaultChannelId, name: 'ask', options: askOptions('second question') });
      await discord.waitFor(() => second.original()?.content === 'Cut off', { what: 'partial' });
      bot.child.kill('SIGKILL');
      await bot.exited;

      const store = await openStore(databaseUrl, captureLogs().logger);
      const turns = await new ChannelHistory(store).load(discord.defaultChannelId);
      expect(turns.map((t) => `${t.role}: ${t.content}`)).toEqual([expect.stringMatching(/^user: first question$/), 'assistant: A complete answer.']);
      await store.disconnect();
    } finally {
      bot.cleanup();
      await Promise.all([discord.stop(), openrouter.stop()]);
    }
  }, 40_000);
});

describe('errors nobody caught', () => {
  it('an unhandled rejection and a throwing listener are logged and the process stays up', async () => {
    const child = spawnBot({}, { script: fileURLToPath(new URL('../fixtures/crash-guard-child.ts', import.meta.url)) });
    const code = await child.exited;
    const out = child.output();
    child.cleanup();
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; err?: { message: string } });
    expect(code).toBe(0);
    expect(lines.find((l) => l.msg.startsWith('unhandled rejection'))?.err?.message).toBe('nobody awaited me');
    expect(lines.find((l) => l.msg.startsWith('uncaught exception'))?.err?.message).toBe('a listener blew up');
    expect(lines.at(-1)!.msg).toBe('still alive');
  });
});
