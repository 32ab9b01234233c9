import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';

const required = { DISCORD_TOKEN: 'discord-token', OPENROUTER_API_KEY: 'sk-or-v1-key' };

describe('parseConfig', () => {
  it('names every missing required variable', () => {
    const result = parseConfig({});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual(['DISCORD_TOKEN: is required', 'OPENROUTER_API_KEY: is required']);
  });

  it('treats empty values as unset', () => {
    const result = parseConfig({ ...required, CHAT_MODEL: '', DISCORD_TOKEN: ' ' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual(['DISCORD_TOKEN: is required']);
  });

  it('gives one line per invalid value, naming the variable', () => {
    const result = parseConfig({
      ...required,
      DISCORD_API_URL: 'ftp://example',
      DATABASE_URL: 'postgres://x',
      DISCORD_GUILD_ID: '12',
      LOG_LEVEL: 'loud',
      STREAM_IDLE_TIMEOUT_MS: 'soon',
      OPENROUTER_APP_URL: 'bots.example',
      OPENROUTER_APP_TITLE: 'Ask ✨ Bot',
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map((p) => p.split(':')[0])).toEqual(['DISCORD_API_URL', 'OPENROUTER_APP_URL', 'OPENROUTER_APP_TITLE', 'DATABASE_URL', 'DISCORD_GUILD_ID', 'LOG_LEVEL', 'STREAM_IDLE_TIMEOUT_MS']);
    }
  });

  it('applies the documented defaults', () => {
    const result = parseConfig(required);
    expect(result.ok && result.config).toMatchObject({
      discordApiUrl: 'https://discord.com/api',
      openRouterBaseUrl: 'https://openrouter.ai/api/v1',
      databaseUrl: 'sqlite://./data/bot.sqlite',
      chatModel: 'openai/gpt-5-image-mini',
      logLevel: 'info',
      streamIdleTimeoutMs: 120_000,
      imageIdleTimeoutMs: 300_000,
      discordGuildId: undefined,
    });
  });

  it('parses allowlists and switches, and names a bad entry', () => {
    const result = parseConfig({ ...required, ALLOWED_CHANNEL_IDS: '123456789012345678, 223456789012345678', ALLOW_DMS: 'yes' });
    expect(result.ok && [...result.config.access.channels]).toEqual(['123456789012345678', '223456789012345678']);
    expect(result.ok && result.config.access.allowDMs).toBe(true);
    const bad = parseConfig({ ...required, ALLOWED_ROLE_IDS: '123456789012345678,general', ALLOW_DMS: 'maybe' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.split(':')[0])).toEqual(['ALLOWED_ROLE_IDS.1', 'ALLOW_DMS']);
  });

  it('reads the key watch’s threshold and interval, with their defaults, naming a bad one', () => {
    expect(parseConfig(required)).toMatchObject({ ok: true, config: { keyWarnRemainingUsd: 1, keyPollIntervalMs: 300_000 } });
    expect(parseConfig({ ...required, KEY_WARN_REMAINING_USD: '0.25', KEY_POLL_INTERVAL_S: '60' })).toMatchObject({ ok: true, config: { keyWarnRemainingUsd: 0.25, keyPollIntervalMs: 60_000 } });
    const bad = parseConfig({ ...required, KEY_WARN_REMAINING_USD: 'lots', KEY_POLL_INTERVAL_S: '0' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.split(':')[0])).toEqual(['KEY_WARN_REMAINING_USD', 'KEY_POLL_INTERVAL_S']);
  });

  it('accepts a guild id and strips trailing slashes from URLs', () => {
    const result = parseConfig({ ...required, DISCORD_GUILD_ID: '123456789012345678', DISCORD_API_URL: 'http://127.0.0.1:3000/api/' });
    expect(result.ok && result.config.discordGuildId).toBe('123456789012345678');
    expect(result.ok && result.config.discordApiUrl).toBe('http://127.0.0.1:3000/api');
  });
});
