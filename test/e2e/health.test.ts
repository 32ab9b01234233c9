import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { text } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { parsePrometheus, sample } from '../helpers/prometheus.js';
import { redisAvailable } from '../helpers/redis.js';
import { hasFooter } from '../helpers/replies.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${h!.bot.healthPort}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

/** A TCP relay to Redis that the test can cut, so the store becomes unreachable on cue. */
async function cuttableRedis(): Promise<{ url: string; cut: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(6379, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

describe('HEALTH_PORT: /healthz and /metrics', () => {
  it('says healthy, and counts answers, tokens and cost the way the footers show them', async () => {
    h = await startHarness({ env: { HEALTH_PORT: '0' } });
    expect(await get('/healthz')).toEqual({ status: 200, type: 'application/json', body: JSON.stringify({ ok: true, checks: { gateway: true, store: true } }) });

    let footerCost = 0;
    for (const prompt of ['one', 'two']) {
      h.openrouter.reply({ steps: text(`answer ${prompt}`) });
      const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions(prompt) });
      const content = await h.discord.waitFor(() => (hasFooter(i.original()?.content) ? i.original()!.content : undefined), { what: prompt });
      footerCost += Number(/\$([\d.]+)/.exec(content)![1]);
    }
    const refused = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('x'.repeat(5000)) });
    await h.discord.waitFor(() => refused.original()?.content.startsWith('⚠️'), { what: 'refusal' });
    await h.bot.idle();

    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(() => parsePrometheus(metrics.body)).not.toThrow();
    expect(sample(metrics.body, 'bot_answers_total', { kind: 'chat', outcome: 'ok', shard: '0' })).toBe(2);
    expect(sample(metrics.body, 'bot_answers_total', { kind: 'chat', outcome: 'refused' })).toBe(1);
    expect(sample(metrics.body, 'bot_answer_duration_seconds_count', { kind: 'chat' })).toBe(3);
    expect(sample(metrics.body, 'bot_time_to_first_token_seconds_count', { kind: 'chat' })).toBe(2);
    const recorded = h.openrouter.chatRecords().map((r) => JSON.parse(r.response.frames.find((f) => f.includes('"usage"'))!.slice(6)).usage.completion_tokens as number);
    expect(sample(metrics.body, 'bot_tokens_total', { direction: 'completion' })).toBe(recorded.reduce((a, b) => a + b, 0));
    expect(sample(metrics.body, 'bot_cost_usd_total', { kind: 'chat' })).toBeCloseTo(footerCost, 4);
    expect(sample(metrics.body, 'bot_open_streams')).toBe(0);
    expect(sample(metrics.body, 'bot_discord_rate_limited_total')).toBeUndefined();
    expect((await get('/nothing')).status).toBe(404);
  });

  it('counts OpenRouter failures by status and Discord 429s by scope', async () => {
    h = await startHarness({ env: { HEALTH_PORT: '0', OPENROUTER_RETRY_MAX_MS: '1' } });
    h.openrouter.reply({ status: 503, error: { message: 'No available providers' } });
    h.discord.rateLimitNext({ method: 'PATCH', path: /\/webhooks\//, retryAfterSec: 0.05 });
    const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
    await h.discord.waitFor(() => i.original()?.content.startsWith('⚠️'), { what: 'failure shown' });
    await h.bot.idle();
    const body = (await get('/metrics')).body;
    expect(sample(body, 'bot_openrouter_errors_total', { code: '503' })).toBe(1);
    expect(sample(body, 'bot_answers_total', { outcome: 'failed' })).toBe(1);
    expect(sample(body, 'bot_discord_rate_limited_total', { scope: 'user' })).toBe(1);
  });

  it('turns 503 when the gateway is down for good', async () => {
    h = await startHarness({ env: { HEALTH_PORT: '0' } });
    // 4004 (authentication failed) is a close discord.js does not reconnect after.
    h.discord.dropGateway(4004);
    await h.discord.waitFor(() => h!.discord.openConnections === 0, { what: 'gateway closed' });
    let health = await get('/healthz');
    for (let i = 0; i < 50 && health.status === 200; i++) health = await get('/healthz');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toEqual({ ok: false, checks: { gateway: false, store: true } });
  });
});

const redis = await redisAvailable('the /healthz store check on Redis');
describe.skipIf(!redis)('HEALTH_PORT with the store on Redis', () => {
  it('turns 503 when the store stops answering', async () => {
    const relay = await cuttableRedis();
    h = await startHarness({ env: { HEALTH_PORT: '0', DATABASE_URL: relay.url }, storeNamespace: `health-${process.pid}-${Date.now()}` });
    expect((await get('/healthz')).status).toBe(200);
    await relay.cut();
    const health = await get('/healthz');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body).checks).toEqual({ gateway: true, store: false });
  });
});
