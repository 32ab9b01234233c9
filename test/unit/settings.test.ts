import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import { chatParameters } from '../../src/settings/chat-parameters.js';
import { parseSettings, parseStopList, SETTING_NAMES } from '../../src/settings/definitions.js';
import { fillPlaceholders } from '../../src/settings/placeholders.js';
import { describeSource, resolveSettings, valuesOf } from '../../src/settings/resolve.js';
import { UserError } from '../../src/user-error.js';

function config(env: Record<string, string> = {}): Config {
  const parsed = parseConfig({ DISCORD_TOKEN: 't', OPENROUTER_API_KEY: 'k', ...env });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.config;
}

const limits = { maxAnswerTokens: 4000 };
const refusal = (raw: Parameters<typeof parseSettings>[0]) => {
  try {
    parseSettings(raw, limits);
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('settings precedence', () => {
  it('takes the request, then the channel, then the parent, then the server, then the environment', () => {
    const c = config({ CHAT_MODEL: 'env/model' });
    const layers = {
      channel: { temperature: 0.1 },
      parent: { temperature: 0.2, top_p: 0.5, seed: 7 },
      server: { temperature: 0.3, top_p: 0.6, seed: 8, stop: ['END'], model: 'server/model' },
    };
    const s = resolveSettings(layers, c);
    expect(s.temperature).toEqual({ value: 0.1, source: { kind: 'channel' } });
    expect(s.top_p).toEqual({ value: 0.5, source: { kind: 'parent' } });
    expect(s.stop).toEqual({ value: ['END'], source: { kind: 'server' } });
    expect(s.model).toEqual({ value: 'server/model', source: { kind: 'server' } });
    expect(s.image_model).toEqual({ value: c.imageModel, source: { kind: 'env', variable: 'IMAGE_MODEL' } });
    expect(s.frequency_penalty).toEqual({ value: undefined, source: { kind: 'default' } });
    expect(s.threads).toEqual({ value: false, source: { kind: 'default' } });

    const overridden = resolveSettings(layers, c, { temperature: 1.5 });
    expect(overridden.temperature).toEqual({ value: 1.5, source: { kind: 'request' } });
    expect(overridden.top_p.value).toBe(0.5);
  });

  it('falls back to the environment when nothing is stored, and lists only what has a value', () => {
    const c = config({ CHAT_MODEL: 'a/b', REASONING_EFFORT: 'low', SHOW_REASONING: 'false', MAX_ANSWER_TOKENS: '900' });
    const values = valuesOf(resolveSettings({ channel: {} }, c));
    expect(values).toEqual({ model: 'a/b', image_model: c.imageModel, system_prompt: c.systemPrompt, max_tokens: 900, reasoning: 'low', show_reasoning: false, threads: false });
    expect(describeSource({ kind: 'env', variable: 'CHAT_MODEL' })).toBe('bot default (`CHAT_MODEL`)');
    expect(describeSource({ kind: 'parent' })).toBe('the parent channel');
  });
});

describe('settings validation', () => {
  it('accepts values in range and turns them into stored values', () => {
    expect(parseSettings({ temperature: 2, top_p: 0, frequency_penalty: -2, presence_penalty: 2, seed: 42, max_tokens: 4000, reasoning: 'xhigh', threads: true, stop: 'END | \\n\\n | STOP' }, limits)).toEqual({
      temperature: 2,
      top_p: 0,
      frequency_penalty: -2,
      presence_penalty: 2,
      seed: 42,
      max_tokens: 4000,
      reasoning: 'xhigh',
      threads: true,
      stop: ['END', '\n\n', 'STOP'],
    });
  });

  it('names the allowed range of a number out of it', () => {
    expect(refusal({ temperature: 2.5 })).toBe('`temperature` must be a number from 0 to 2; you gave `2.5`.');
    expect(refusal({ top_p: -0.1 })).toMatch(/from 0 to 1/);
    expect(refusal({ presence_penalty: 3 })).toMatch(/from -2 to 2/);
    expect(refusal({ max_tokens: 4001 })).toMatch(/`max_tokens` must be a number from 1 to 4000/);
    expect(refusal({ seed: 1.5 })).toMatch(/whole number/);
  });

  it('refuses more than four stop sequences, an empty list, a long system prompt and a malformed model id', () => {
    expect(refusal({ stop: 'a|b|c|d|e' })).toMatch(/up to 4 sequences.*you gave 5/);
    expect(() => parseStopList(' | ')).toThrow(UserError);
    expect(refusal({ system_prompt: 'x'.repeat(4001) })).toMatch(/4,001 characters; the limit is 4,000/);
    expect(refusal({ system_prompt: '   ' })).toMatch(/can’t be empty/);
    expect(refusal({ model: 'gpt 5' })).toMatch(/OpenRouter model id like `openai\/gpt-5`/);
    expect(refusal({ reasoning: 'extreme' })).toMatch(/must be one of/);
  });

  it('has every setting the issue names, in a stable order', () => {
    expect(SETTING_NAMES).toEqual(['model', 'image_model', 'system_prompt', 'temperature', 'top_p', 'frequency_penalty', 'presence_penalty', 'seed', 'stop', 'max_tokens', 'reasoning', 'show_reasoning', 'threads', 'budget_user_daily', 'budget_server_daily', 'budget_server_monthly']);
  });
});

describe('chat parameters', () => {
  const all = { temperature: 0.7, top_p: 0.9, frequency_penalty: 0.5, presence_penalty: -0.5, seed: 3, stop: ['END'], max_tokens: 500, reasoning: 'high' as const };

  it('maps every setting to the SDK field, with max_tokens capped by MAX_ANSWER_TOKENS', () => {
    expect(chatParameters(all, undefined, 400)).toEqual({
      parameters: { maxCompletionTokens: 400, temperature: 0.7, topP: 0.9, frequencyPenalty: 0.5, presencePenalty: -0.5, seed: 3, stop: ['END'], reasoning: { effort: 'high' } },
      unsupported: [],
    });
  });

  it('leaves out what the model does not take and says which', () => {
    const result = chatParameters(all, ['max_tokens', 'reasoning', 'seed'], 4000);
    expect(result.parameters).toEqual({ maxCompletionTokens: 500, seed: 3, reasoning: { effort: 'high' } });
    expect(result.unsupported).toEqual(['temperature', 'top_p', 'frequency_penalty', 'presence_penalty', 'stop']);
  });

  it('turns reasoning off with effort none, and says nothing when the model does not reason anyway', () => {
    expect(chatParameters({ reasoning: 'off' }, ['reasoning'], 10).parameters.reasoning).toEqual({ effort: 'none' });
    expect(chatParameters({ reasoning: 'off' }, ['temperature'], 10)).toEqual({ parameters: { maxCompletionTokens: 10 }, unsupported: [] });
    expect(chatParameters({ reasoning: 'low' }, ['temperature'], 10).unsupported).toEqual(['reasoning']);
  });
});

describe('system prompt placeholders', () => {
  it('fills user, channel, server, date and time (UTC), and leaves other braces alone', () => {
    const filled = fillPlaceholders('Hi {user} in {channel} on {server}, {date} {time}. JSON: {"a": {user}} {unknown}', {
      user: 'Ada',
      channel: '#general',
      server: 'Lovelace Club',
      now: new Date('2026-12-01T09:05:00Z'),
    });
    expect(filled).toBe('Hi Ada in #general on Lovelace Club, 2026-12-01 09:05 UTC. JSON: {"a": Ada} {unknown}');
    expect(fillPlaceholders('{server}', { user: 'a', channel: 'b', server: undefined, now: new Date(0) })).toBe('a direct message');
  });
});
