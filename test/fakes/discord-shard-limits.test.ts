/**
 * The fake gateway's limits, as Discord documents them (Gateway → Identifying, Sharding, Get Gateway
 * Bot, Session Start Limit Object; close codes): GET /gateway/bot's shape and the daily IDENTIFY
 * count, 4011 for a shard with too many guilds, 4010 for an invalid shard, op 9 for an IDENTIFY
 * faster than max_concurrency allows (and discord.js spacing its shards by it), and what going over
 * the daily limit does. Raw websockets send what discord.js would not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectShards, onCleanup, rawGateway, shardClient } from './discord-client.js';
import { FakeDiscord, type FakeDiscordOptions } from './discord.js';

afterEach(cleanup);

const DAY_MS = 24 * 60 * 60 * 1000;

async function start(opts?: FakeDiscordOptions): Promise<FakeDiscord> {
  const fake = await FakeDiscord.start(opts);
  onCleanup(() => fake.stop());
  return fake;
}

interface GatewayBot {
  url: string;
  shards: number;
  session_start_limit: { total: number; remaining: number; reset_after: number; max_concurrency: number };
}

async function gatewayBot(fake: FakeDiscord, token = fake.token): Promise<{ status: number; body: GatewayBot }> {
  const res = await fetch(`${fake.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${token}` } });
  return { status: res.status, body: (await res.json()) as GatewayBot };
}

const outcomes = (fake: FakeDiscord) => fake.identifies.map((i) => [i.shard, i.outcome, i.closeCode]);

describe('fake Discord: the gateway’s sharding limits', () => {
  it('GET /gateway/bot answers the recommended shards and the session start limit; each IDENTIFY spends one, RESUME none', async () => {
    const fake = await start({ recommendedShards: 3, maxConcurrency: 4 });
    expect((await gatewayBot(fake)).body).toEqual({
      url: fake.gatewayUrl,
      shards: 3,
      session_start_limit: { total: 1000, remaining: 1000, reset_after: DAY_MS, max_concurrency: 4 },
    });

    await connectShards(fake, { shards: [0, 1, 2], shardCount: 3 });
    const limit = (await gatewayBot(fake)).body.session_start_limit;
    expect(limit.remaining).toBe(997);
    // The 24 h window started with the first IDENTIFY.
    expect(limit.reset_after).toBeLessThan(DAY_MS);
    expect(limit.reset_after).toBeGreaterThan(DAY_MS - 60_000);

    fake.dropGateway();
    await fake.waitFor(() => fake.sessions().every((s) => s.resumes === 1 && s.connected), { what: 'three resumed sessions' });
    expect((await gatewayBot(fake)).body.session_start_limit.remaining).toBe(997);

    fake.configureGateway({ recommendedShards: 8, maxConcurrency: 1 });
    expect((await gatewayBot(fake)).body).toMatchObject({ shards: 8, session_start_limit: { max_concurrency: 1, remaining: 997 } });
    expect((await gatewayBot(fake, 'not-the-token')).status).toBe(401);
  });

  it('recommends one shard for a handful of guilds, and Discord’s defaults otherwise', async () => {
    const fake = await start();
    fake.addGuild();
    expect((await gatewayBot(fake)).body).toEqual({ url: fake.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: DAY_MS, max_concurrency: 16 } });
  });

  it('closes with 4011 a connection whose shard would serve more guilds than allowed; sharded, it connects', async () => {
    const threeGuilds = async (): Promise<FakeDiscord> => {
      const fake = await start({ maxGuildsPerShard: 2 });
      // One shard of 2 serves two of them, the other one.
      fake.addGuild({ shard: [0, 2] });
      fake.addGuild({ shard: [1, 2] });
      return fake;
    };
    const unsharded = await threeGuilds();
    await expect(shardClient(unsharded).login(unsharded.token)).rejects.toThrow('Sharding is required');
    expect(outcomes(unsharded)).toEqual([[[0, 1], 'closed', 4011]]);
    expect(unsharded.sessions()).toEqual([]);

    // (A fresh fake: the refused IDENTIFY still took its max_concurrency bucket for 5 s.)
    const sharded = await threeGuilds();
    const client = await connectShards(sharded, { shards: [0, 1], shardCount: 2 });
    expect(client.guilds.cache.size).toBe(3);
    expect(outcomes(sharded).map(([shard, outcome]) => [shard, outcome])).toEqual([
      [[0, 2], 'ready'],
      [[1, 2], 'ready'],
    ]);
  });

  it('closes with 4010 an IDENTIFY for a shard that does not exist', async () => {
    const fake = await start();
    await expect(shardClient(fake, { shards: [2], shardCount: 2 }).login(fake.token)).rejects.toThrow('Invalid shard');
    for (const shard of [
      [0, 0],
      [-1, 2],
      [3, 2],
    ]) {
      const raw = await rawGateway(fake);
      raw.identify(shard);
      expect(await raw.closed).toBe(4010);
    }
    expect(outcomes(fake)).toEqual([
      [[2, 2], 'closed', 4010],
      [[0, 0], 'closed', 4010],
      [[-1, 2], 'closed', 4010],
      [[3, 2], 'closed', 4010],
    ]);
    expect(fake.sessions()).toEqual([]);
  });

  it('answers op 9 to a second IDENTIFY of the same max_concurrency bucket within 5 s; other buckets start at once', async () => {
    const fake = await start({ maxConcurrency: 2 });
    const a = await rawGateway(fake);
    a.identify([0, 4]);
    await a.next((f) => f.t === 'READY', 'READY for shard 0');
    // 2 % 2 is bucket 0 again: refused, the connection stays open for the client to close.
    const b = await rawGateway(fake);
    b.identify([2, 4]);
    expect(await b.next((f) => f.op === 9, 'op 9 for shard 2')).toMatchObject({ op: 9, d: false });
    const c = await rawGateway(fake);
    c.identify([1, 4]);
    await c.next((f) => f.t === 'READY', 'READY for shard 1');
    expect(outcomes(fake)).toEqual([
      [[0, 4], 'ready', undefined],
      [[2, 4], 'invalid-session', undefined],
      [[1, 4], 'ready', undefined],
    ]);
    expect(fake.sessions().map((s) => s.shard)).toEqual([
      [0, 4],
      [1, 4],
    ]);
    expect(b.frames.some((f) => f.t === 'READY')).toBe(false);
  });

  it('discord.js starts two shards of one bucket 5 s apart, so none is refused', { timeout: 15_000 }, async () => {
    const fake = await start({ maxConcurrency: 1 });
    fake.addGuild({ shard: [1, 2] });
    const client = await connectShards(fake, { shards: [0, 1], shardCount: 2 });
    expect(client.guilds.cache.size).toBe(2);
    const [first, second] = fake.identifies;
    expect(outcomes(fake).map(([, outcome]) => outcome)).toEqual(['ready', 'ready']);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(5000);
  });

  it('two processes that don’t share a throttler: the refused shard identifies again 5 s later and starts', { timeout: 20_000 }, async () => {
    const fake = await start({ maxConcurrency: 1 });
    fake.addGuild({ shard: [0, 2] });
    fake.addGuild({ shard: [1, 2] });
    const [c0, c1] = await Promise.all([connectShards(fake, { shards: [0], shardCount: 2 }), connectShards(fake, { shards: [1], shardCount: 2 })]);
    const onShard = (shard: number) => fake.guildIds().filter((g) => fake.shardOf(g, 2) === shard).length;
    expect([c0.guilds.cache.size, c1.guilds.cache.size]).toEqual([onShard(0), onShard(1)]);
    const [first, ...rest] = fake.identifies;
    expect(first!.outcome).toBe('ready');
    // The other shard was refused (discord.js waits 5 s + up to 1.5 s before it tries again; a retry
    // landing a hair early would be refused once more), then started.
    const other = rest.map((i) => [i.shard[0], i.outcome]);
    expect(other.slice(0, -1)).toEqual(other.slice(0, -1).map(() => [1 - first!.shard[0], 'invalid-session']));
    expect(other.at(-1)).toEqual([1 - first!.shard[0], 'ready']);
    expect(other.length).toBeGreaterThanOrEqual(2);
    expect(rest.at(-1)!.at - first!.at).toBeGreaterThanOrEqual(5000);
    expect(fake.sessions().map((s) => s.shard[0]).sort()).toEqual([0, 1]);
  });

  it('an IDENTIFY past the daily limit ends every session with 4004 and resets the token', async () => {
    const fake = await start({ sessionStartLimit: 2 });
    const oldToken = fake.token;
    const [a, b] = [await rawGateway(fake), await rawGateway(fake)];
    a.identify([0, 2]);
    b.identify([1, 2]);
    await Promise.all([a.next((f) => f.t === 'READY', 'READY a'), b.next((f) => f.t === 'READY', 'READY b')]);
    expect((await gatewayBot(fake)).body.session_start_limit.remaining).toBe(0);

    const c = await rawGateway(fake);
    c.identify([0, 2]);
    expect(await Promise.all([a.closed, b.closed, c.closed])).toEqual([4004, 4004, 4004]);
    expect(fake.sessions().every((s) => !s.alive)).toBe(true);
    expect(fake.token).not.toBe(oldToken);
    expect((await gatewayBot(fake, oldToken)).status).toBe(401);
    expect((await gatewayBot(fake)).status).toBe(200);
    expect(outcomes(fake).at(-1)).toEqual([[0, 2], 'closed', 4004]);
  });
});
