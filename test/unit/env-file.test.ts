import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { setEnvValues } from '../../src/setup/env-file.js';

describe('setEnvValues', () => {
  it('replaces an assignment in place and keeps comments, order and other values', () => {
    const before = '# my bot\nCHAT_MODEL=openai/gpt-5\nDISCORD_TOKEN=\n# DISCORD_TOKEN=commented out\nLOG_LEVEL=debug\n';
    const after = setEnvValues(before, { DISCORD_TOKEN: 'abc.def.ghi' });
    expect(after).toBe('# my bot\nCHAT_MODEL=openai/gpt-5\nDISCORD_TOKEN=abc.def.ghi\n# DISCORD_TOKEN=commented out\nLOG_LEVEL=debug\n');
    expect(parseEnv(after)).toEqual({ CHAT_MODEL: 'openai/gpt-5', DISCORD_TOKEN: 'abc.def.ghi', LOG_LEVEL: 'debug' });
  });

  it('appends a variable the file lacks, after a last line with or without a newline', () => {
    expect(setEnvValues('A=1', { B: '2' })).toBe('A=1\nB=2\n');
    expect(setEnvValues('A=1\r\n', { B: '2' })).toBe('A=1\nB=2\n');
    expect(setEnvValues('', { B: '2' })).toBe('B=2\n');
  });

  it('keeps `export` and spacing, and does not take a longer name for the one asked', () => {
    const after = setEnvValues('export OPENROUTER_API_KEY = old\nOPENROUTER_API_KEY_BACKUP=keep\n', { OPENROUTER_API_KEY: 'sk-or-v1-new' });
    expect(after).toBe('export OPENROUTER_API_KEY = sk-or-v1-new\nOPENROUTER_API_KEY_BACKUP=keep\n');
  });
});
