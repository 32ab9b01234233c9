import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelHistory } from '../../src/conversation/history.js';
import { openStore } from '../../src/storage.js';
import { FakeDiscord } from '../fakes/discord.js';
import { FakeOpenRouter } from '../fakes/openrouter.js';
import { askOptions, OPENROUTER_KEY } from '../helpers/harness.js';
import { captureLogs } from '../helpers/logs.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('SIGKILL mid-stream', () => {
  it('leaves storage that opens cleanly, with earlier turns intact and the interrupted one absent', async () => {
    const discord = await FakeDiscord.start();
    const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
    const dir = mkdtempSync(join(tmpdir(), 'bot-sigkill-'));
    dirs.push(dir);
    const databaseUrl = `sqlite://${join(dir, 'bot.sqlite')}`;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', tsx, entry], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        DISCORD_TOKEN: discord.token,
        OPENROUTER_API_KEY: OPENROUTER_KEY,
        DISCORD_API_URL: discord.apiUrl,
        OPENROUTER_BASE_URL: openrouter.baseUrl,
        DATABASE_URL: databaseUrl,
        DISCORD_GUILD_ID: discord.guildId,
      },
      stdio: 'ignore',
    });
    const exited = new Promise<unknown>((resolve) => child.on('close', resolve));
    try {
      await discord.waitFor(() => discord.commands(discord.guildId).length > 0, { what: 'bot ready', timeoutMs: 20_000 });
      openrouter.reply({ steps: [{ content: 'A complete answer.' }] });
      const first = await discord.slash({ channelId: discord.defaultChannelId, name: 'ask', options: askOptions('first question') });
      await discord.waitFor(() => /-# /.test(first.original()?.content ?? ''), { what: 'first answer' });
      openrouter.reply({ steps: [{ content: 'Cut off' }, { stall: true }] });
      const second = await discord.slash({ channelId: discord.defaultChannelId, name: 'ask', options: askOptions('second question') });
      await discord.waitFor(() => second.original()?.content === 'Cut off', { what: 'partial' });
      child.kill('SIGKILL');
      await exited;

      const store = await openStore(databaseUrl, captureLogs().logger);
      const turns = await new ChannelHistory(store).load(discord.defaultChannelId);
      expect(turns.map((t) => `${t.role}: ${t.content}`)).toEqual([expect.stringMatching(/^user: first question$/), 'assistant: A complete answer.']);
      await store.disconnect();
    } finally {
      child.kill('SIGKILL');
      await Promise.all([discord.stop(), openrouter.stop()]);
    }
  }, 40_000);
});

describe('errors nobody caught', () => {
  it('an unhandled rejection and a throwing listener are logged and the process stays up', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = spawn(process.execPath, ['--import', tsx, fileURLToPath(new URL('../fixtures/crash-guard-child.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; err?: { message: string } });
    expect(code).toBe(0);
    expect(lines.find((l) => l.msg.startsWith('unhandled rejection'))?.err?.message).toBe('nobody awaited me');
    expect(lines.find((l) => l.msg.startsWith('uncaught exception'))?.err?.message).toBe('a listener blew up');
    expect(lines.at(-1)!.msg).toBe('still alive');
  });
});
