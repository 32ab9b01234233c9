import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord, type FakeInteraction } from '../fakes/discord.js';
import { FakeOpenRouter, Gate } from '../fakes/openrouter.js';
import { askOptions, OPENROUTER_KEY, startHarness, type Harness } from '../helpers/harness.js';

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
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('finalizes the running answer with a notice and exits 0', async () => {
    const discord = await FakeDiscord.start();
    const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
    const dir = mkdtempSync(join(tmpdir(), 'bot-sigterm-'));
    dirs.push(dir);
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
        DATABASE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
        DISCORD_GUILD_ID: discord.guildId,
        SHUTDOWN_GRACE_MS: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await discord.waitFor(() => discord.commands(discord.guildId).length > 0, { what: `bot ready\n${output}`, timeoutMs: 20_000 });
      openrouter.reply({ steps: [{ content: 'Working on it' }, { stall: true }] });
      const i = await discord.slash({ channelId: discord.defaultChannelId, name: 'ask', options: askOptions('long one') });
      await discord.waitFor(() => final(i) === 'Working on it', { what: 'partial' });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(final(i)).toMatch(/^Working on it\n\n⚠️ The bot is restarting/);
      expect(output).toContain('"msg":"shutting down"');
    } finally {
      child.kill('SIGKILL');
      await Promise.all([discord.stop(), openrouter.stop()]);
    }
  }, 40_000);
});
