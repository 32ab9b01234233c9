import { describe, expect, it } from 'vitest';
import { BotMetrics } from '../../src/ops/metrics.js';
import { sample } from '../helpers/prometheus.js';

describe('BotMetrics', () => {
  it('counts answers, tokens, cost, errors, 429s and open streams, labelled with the shards', async () => {
    let busy = 3;
    const m = new BotMetrics('0,1', () => busy);
    m.answered({ kind: 'chat', outcome: 'ok', ttftMs: 400, totalMs: 2_500, promptTokens: 100, completionTokens: 50, cost: 0.002 });
    m.answered({ kind: 'chat', outcome: 'ok', totalMs: 1_000, cost: 0.001 });
    m.answered({ kind: 'image', outcome: 'refused', totalMs: 10 });
    m.openrouterError(429);
    m.openrouterError(undefined);
    m.discordRateLimited('user');
    const close = m.streamOpened();
    m.streamOpened();
    close();
    close();
    busy = 5;
    // prom-client counts CPU from when the metrics were made; spend some, so the count can't be 0.
    const from = process.cpuUsage().user;
    while (process.cpuUsage().user - from < 20_000);
    const text = await m.registry.metrics();
    expect(sample(text, 'bot_answers_total', { kind: 'chat', outcome: 'ok', shard: '0,1' })).toBe(2);
    expect(sample(text, 'bot_answers_total', { kind: 'image', outcome: 'refused' })).toBe(1);
    expect(sample(text, 'bot_tokens_total', { direction: 'completion' })).toBe(50);
    expect(sample(text, 'bot_cost_usd_total', { kind: 'chat' })).toBeCloseTo(0.003);
    expect(sample(text, 'bot_time_to_first_token_seconds_count', { kind: 'chat' })).toBe(1);
    expect(sample(text, 'bot_time_to_first_token_seconds_bucket', { kind: 'chat', le: '0.5' })).toBe(1);
    expect(sample(text, 'bot_answer_duration_seconds_sum', { kind: 'chat' })).toBeCloseTo(3.5);
    expect(sample(text, 'bot_openrouter_errors_total', { code: '429' })).toBe(1);
    expect(sample(text, 'bot_openrouter_errors_total', { code: 'network' })).toBe(1);
    expect(sample(text, 'bot_discord_rate_limited_total', { scope: 'user' })).toBe(1);
    expect(sample(text, 'bot_open_streams')).toBe(1);
    expect(sample(text, 'bot_discord_rest_busy_queues')).toBe(5);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });
});
