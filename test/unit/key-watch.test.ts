import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lookUpGeneration } from '../../src/openrouter/generation.js';
import { createOpenRouter } from '../../src/openrouter/client.js';
import { KeyWatch } from '../../src/openrouter/key-watch.js';
import { FakeOpenRouter, text } from '../fakes/openrouter.js';
import { captureLogs } from '../helpers/logs.js';
import { ManualTimers, settle } from '../helpers/manual-timers.js';

const KEY = 'sk-or-v1-unit';
let fake: FakeOpenRouter;
beforeEach(async () => {
  fake = await FakeOpenRouter.start({ apiKey: KEY });
});
afterEach(async () => {
  await fake.stop();
});

const client = () => createOpenRouter({ apiKey: KEY, baseUrl: fake.baseUrl, retryBudgetMs: 1000 });
const keyReads = () => fake.requests.filter((r) => r.path === '/api/v1/key').length;
const NOW = Date.parse('2026-12-01T10:00:00Z');

async function chat(cost: number): Promise<string> {
  fake.reply({ steps: text('hi'), usage: { cost } });
  const res = await fetch(`${fake.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-5', messages: [{ role: 'user', content: 'hi' }], user: 'discord-abc' }),
  });
  return ((await res.json()) as { id: string }).id;
}

describe('the key watch', () => {
  it('reads /key at start and then every interval on its own timer, until stopped', async () => {
    const timers = new ManualTimers();
    const logs = captureLogs();
    const watch = new KeyWatch(client(), logs.logger, { warnBelowUsd: 1, intervalMs: 300_000 }, timers, () => NOW);
    await watch.start();
    expect(keyReads()).toBe(1);
    expect(watch.health()).toBe('ok');
    timers.advance(299_999);
    await settle();
    expect(keyReads()).toBe(1);
    timers.advance(1);
    await fake.waitFor(() => keyReads() === 2, { what: 'the second read' });
    await settle();
    watch.stop();
    timers.advance(600_000);
    await settle();
    expect(keyReads()).toBe(2);
  });

  it('warns once when the limit runs low, refuses once it is spent (also between reads, from recorded costs), and says when it resets', async () => {
    fake.account.limit = 5;
    fake.account.limitReset = 'daily';
    await chat(3.5);
    const logs = captureLogs();
    const watch = new KeyWatch(client(), logs.logger, { warnBelowUsd: 2, intervalMs: 300_000 }, new ManualTimers(), () => NOW);
    await watch.start();
    expect(watch.limit).toMatchObject({ limit: 5, remaining: 1.5, usage: 3.5, resetsAt: Date.parse('2026-12-02T00:00:00Z') });
    expect(watch.health()).toBe('low');
    expect(watch.refusal()).toBeUndefined();
    watch.noteSpend(0.5);
    expect(logs.lines().filter((l) => /nearly spent/.test(String(l.msg)))).toHaveLength(1);
    watch.noteSpend(1);
    expect(watch.health()).toBe('spent');
    expect(watch.refusal()).toBe('🔒 The bot’s OpenRouter key has used up its $5.00 limit, so I can’t answer until it resets <t:1796169600:R>.');
    expect(logs.lines().find((l) => /limit is spent/.test(String(l.msg)))).toMatchObject({ level: 40, limit: 5 });
    expect(logs.raw()).not.toContain(KEY);
  });

  it('lets requests through when /key can’t be read, and logs it', async () => {
    fake.account.keyStatus = 500;
    const logs = captureLogs();
    const watch = new KeyWatch(client(), logs.logger, { warnBelowUsd: 1, intervalMs: 1000 }, new ManualTimers(), () => NOW);
    await watch.refresh();
    expect(watch.health()).toBe('unknown');
    expect(watch.refusal()).toBeUndefined();
    expect(logs.lines().some((l) => l.msg === 'could not read the OpenRouter key’s limits')).toBe(true);
  });

  it('treats a limit past its reset as fresh, and one without a reset as waiting for the operator', async () => {
    fake.account.limit = 1;
    await chat(1);
    let now = NOW;
    const watch = new KeyWatch(client(), captureLogs().logger, { warnBelowUsd: 0.1, intervalMs: 1000 }, new ManualTimers(), () => now);
    await watch.refresh();
    expect(watch.refusal()).toBe('🔒 The bot’s OpenRouter key has used up its $1.00 limit, so I can’t answer until the bot’s operator raises it.');
    fake.account.limitReset = 'monthly';
    await watch.refresh();
    now = Date.parse('2027-01-01T00:00:00Z');
    expect(watch.health()).toBe('unknown');
  });
});

describe('looking up a generation’s cost', () => {
  it('waits and asks again while OpenRouter has not recorded it yet', async () => {
    fake.account.generationLag = 2;
    const id = await chat(0.0123);
    const waits: number[] = [];
    const found = await lookUpGeneration(client(), id, async (ms) => void waits.push(ms));
    expect(found).toEqual({ cost: 0.0123, promptTokens: expect.any(Number), completionTokens: 1 });
    expect(waits).toEqual([500, 1000, 2000]);
    expect(fake.account.generations.get(id)?.user).toBe('discord-abc');
  });

  it('gives up after its last try', async () => {
    fake.account.generationLag = Infinity;
    const id = await chat(0.01);
    const waits: number[] = [];
    expect(await lookUpGeneration(client(), id, async (ms) => void waits.push(ms))).toBeUndefined();
    expect(waits).toEqual([500, 1000, 2000, 4000]);
    expect(fake.requests.filter((r) => r.path === '/api/v1/generation')).toHaveLength(4);
  });
});
