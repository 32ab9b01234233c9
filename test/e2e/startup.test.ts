import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBot } from '../../src/bot.js';
import { parseConfig } from '../../src/config.js';
import { FakeDiscord } from '../fakes/discord.js';
import { captureLogs } from '../helpers/logs.js';
import { spawnBot } from '../helpers/process.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs the real entry point in a clean directory with only the given environment, to its exit. */
async function run(env: Record<string, string>, dotenv?: string): Promise<{ code: number | null; stderr: string }> {
  const bot = spawnBot(env, dotenv === undefined ? {} : { dotenv });
  const code = await bot.exited;
  bot.cleanup();
  return { code, stderr: bot.output() };
}

describe('start-up configuration', () => {
  it('exits non-zero with one clear line per missing variable and no stack trace', async () => {
    const { code, stderr } = await run({});
    expect(code).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines).toContain('config error: DISCORD_TOKEN: is required');
    expect(lines).toContain('config error: OPENROUTER_API_KEY: is required');
    expect(stderr).not.toMatch(/^\s+at /m);
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
