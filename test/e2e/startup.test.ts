import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBot } from '../../src/bot.js';
import { parseConfig } from '../../src/config.js';
import { inviteUrl } from '../../src/discord/invite.js';
import { FakeDiscord } from '../fakes/discord.js';
import { FakeOpenRouter } from '../fakes/openrouter.js';
import { OPENROUTER_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { captureLogs } from '../helpers/logs.js';
import { hasTerminalRunner, spawnBot } from '../helpers/process.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs the real entry point (no terminal: stdin is not one) in a clean directory with only the given environment, to its exit. */
async function run(env: Record<string, string>, dotenv?: string): Promise<{ code: number | null; stderr: string; envFile: string | undefined }> {
  const bot = spawnBot(env, dotenv === undefined ? {} : { dotenv });
  const code = await bot.exited;
  const envFile = existsSync(join(bot.dir, '.env')) ? readFileSync(join(bot.dir, '.env'), 'utf8') : undefined;
  bot.cleanup();
  return { code, stderr: bot.output(), envFile };
}

describe('start-up configuration', () => {
  it('without a terminal, exits non-zero with one clear line per missing variable, asks nothing and writes no .env', async () => {
    const { code, stderr, envFile } = await run({});
    expect(code).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines).toContain('config error: DISCORD_TOKEN: is required');
    expect(lines).toContain('config error: OPENROUTER_API_KEY: is required');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toMatch(/not shown as you type/);
    expect(envFile).toBeUndefined();
  });

  it('reads .env, lets the environment win, and names each invalid variable', async () => {
    const { code, stderr } = await run(
      { DISCORD_TOKEN: 'from-env', STREAM_IDLE_TIMEOUT_MS: 'soon' },
      'DISCORD_TOKEN=\nOPENROUTER_API_KEY=sk-or-from-dotenv\nDATABASE_URL=mysql://nope\n',
    );
    expect(code).not.toBe(0);
    const problems = stderr.split('\n').filter((l) => l.startsWith('config error:'));
    expect(problems).toEqual([
      'config error: DATABASE_URL: must be sqlite://<file> or redis://host:port',
      'config error: STREAM_IDLE_TIMEOUT_MS: must be a number',
    ]);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe('start-up against Discord', () => {
  it('logs the invite URL for its application when the bot is in no server yet, and not when it is in one', async () => {
    const invited = (h: Harness) => h.logs.lines().find((l) => l.msg === 'in no server yet: invite the bot with this URL');
    const alone = await startHarness({ discord: { botInGuild: false }, env: { DISCORD_GUILD_ID: '' } });
    try {
      expect(alone.bot.client.guilds.cache.size).toBe(0);
      expect(invited(alone)?.inviteUrl).toBe(inviteUrl(alone.discord.applicationId));
    } finally {
      await alone.close();
    }
    const member = await startHarness();
    try {
      expect(invited(member)).toBeUndefined();
    } finally {
      await member.close();
    }
  });

  it('says how to fix it when the Message Content intent is not enabled for the application', async () => {
    const discord = await FakeDiscord.start({ privilegedIntents: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'bot-intents-'));
    dirs.push(dir);
    try {
      const parsed = parseConfig({ DISCORD_TOKEN: discord.token, OPENROUTER_API_KEY: 'sk-or-x', DISCORD_API_URL: discord.apiUrl, OPENROUTER_BASE_URL: 'http://127.0.0.1:9/api/v1', DATABASE_URL: `sqlite://${join(dir, 'b.sqlite')}` });
      if (!parsed.ok) throw new Error(parsed.problems.join());
      await expect(startBot(parsed.config, captureLogs().logger)).rejects.toThrow(/turn on Message Content Intent/);
    } finally {
      await discord.stop();
    }
  });
});

const terminal = hasTerminalRunner('the first start at a real terminal');

describe.skipIf(!terminal)('first start at a real terminal', () => {
  it('asks for the missing token and key without showing them, checks them, writes .env, starts and logs the invite URL', async () => {
    const [discord, openrouter] = await Promise.all([FakeDiscord.start({ botInGuild: false }), FakeOpenRouter.start({ apiKey: OPENROUTER_KEY })]);
    const bot = spawnBot((dir) => ({ DISCORD_API_URL: discord.apiUrl, OPENROUTER_BASE_URL: openrouter.baseUrl, DATABASE_URL: `sqlite://${join(dir, 'bot.sqlite')}`, LOG_LEVEL: 'info' }), { terminal: true });
    try {
      await bot.printed(/DISCORD_TOKEN \(not shown as you type\): /, 15_000);
      bot.child.stdin!.write(`${discord.token}\r`);
      await bot.printed(/OPENROUTER_API_KEY \(not shown as you type\): /, 15_000);
      bot.child.stdin!.write(`${OPENROUTER_KEY}\r`);
      await bot.printed(/in no server yet: invite the bot with this URL/, 15_000);
      expect(bot.output()).toContain(inviteUrl(discord.applicationId));
      expect(bot.output()).toMatch(/✓ DISCORD_TOKEN works: the bot FakeBot#4821[\s\S]*✓ OPENROUTER_API_KEY works/);
      expect(readFileSync(join(bot.dir, '.env'), 'utf8')).toBe(`DISCORD_TOKEN=${discord.token}\nOPENROUTER_API_KEY=${OPENROUTER_KEY}\n`);
      expect(bot.output()).not.toContain(discord.token);
      expect(bot.output()).not.toContain(OPENROUTER_KEY);
    } finally {
      bot.cleanup();
      await bot.exited;
      await Promise.all([discord.stop(), openrouter.stop()]);
    }
  });
});
