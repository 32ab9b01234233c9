/**
 * The bot sharded across processes, end to end: the real `src/index.ts` as discord.js's
 * ShardingManager with one process per shard, against one fake Discord with a guild on each shard
 * and the real Redis.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeDiscordOptions, FakeInteraction } from '../fakes/discord.js';
import { FakeDiscord } from '../fakes/discord.js';
import { FakeOpenRouter, Gate, text } from '../fakes/openrouter.js';
import { askOptions, OPENROUTER_KEY } from '../helpers/harness.js';
import { spawnBot, type BotProcess } from '../helpers/process.js';
import { REDIS_URL, redisAvailable } from '../helpers/redis.js';
import { FOOTER } from '../helpers/replies.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
const MANAGE_CHANNELS = String(1n << 4n);
const available = await redisAvailable('the sharded bot on Redis');

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface LogLine {
  msg: string;
  shard?: number;
  pid?: number;
  code?: number | null;
  [k: string]: unknown;
}
const lines = (bot: BotProcess): LogLine[] =>
  bot
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

async function start(fakeOptions: FakeDiscordOptions, env: Record<string, string>) {
  const discord = await FakeDiscord.start(fakeOptions);
  const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
  cleanups.push(() => Promise.all([discord.stop(), openrouter.stop()]));
  return { discord, openrouter, launch: () => launch(discord, openrouter, env) };
}

function launch(discord: FakeDiscord, openrouter: FakeOpenRouter, env: Record<string, string>): BotProcess {
  const bot = spawnBot({
    DISCORD_TOKEN: discord.token,
    OPENROUTER_API_KEY: OPENROUTER_KEY,
    DISCORD_API_URL: discord.apiUrl,
    OPENROUTER_BASE_URL: openrouter.baseUrl,
    DATABASE_URL: REDIS_URL,
    STORE_NAMESPACE: `shards-${process.pid}-${Date.now()}`,
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '2000',
    ...env,
  });
  cleanups.push(() => bot.cleanup());
  return bot;
}

const pidOf = (bot: BotProcess, shard: number) => lines(bot).filter((l) => l.msg === 'shard process started' && l.shard === shard).at(-1)?.pid;
const readyCount = (bot: BotProcess, shard: number) => lines(bot).filter((l) => l.msg === 'shard ready' && l.shard === shard).length;

describe.skipIf(!available)('SHARD_COUNT: one process per shard', () => {
  it('answers each guild from its own shard, shares limits and history in Redis, respawns a killed shard while the other keeps answering, and stops gracefully', async () => {
    const { discord, openrouter, launch: run } = await start({ recommendedShards: 2, maxConcurrency: 1 }, { SHARD_COUNT: 'auto', USER_RATE_LIMIT: '5', USER_RATE_WINDOW_S: '3600', USER_MAX_CONCURRENT: '3' });
    const a = { guildId: discord.guildId, channelId: discord.defaultChannelId, shard: discord.shardOf(discord.guildId, 2) };
    const second = discord.addGuild({ name: 'Second', shard: [1 - a.shard, 2] });
    const b = { guildId: second.guildId, channelId: second.defaultChannelId, shard: 1 - a.shard };
    const bot = run();
    await bot.printed(/"msg":"shard ready"[^\n]*\n[\s\S]*"msg":"shard ready"/, 60_000);

    // max_concurrency 1: the two shards identified one after the other, 5 s apart, and none was refused.
    const identified = discord.identifies.filter((i) => i.outcome === 'ready');
    expect(identified.map((i) => i.shard)).toEqual([[0, 2], [1, 2]]);
    expect(identified[1]!.at - identified[0]!.at).toBeGreaterThanOrEqual(5_000);
    expect(discord.identifies.every((i) => i.outcome === 'ready')).toBe(true);

    // Two processes ask at once: each answer follows from its question, not from the order they arrive in.
    const gate = new Gate('b2 streaming');
    openrouter.setDefault((body: { messages: { content: string }[] }) => {
      const prompt = String(body.messages.at(-1)!.content).split(': ').at(-1)!;
      return prompt === 'b2' ? { steps: [{ content: 'partial' }, { gate }, ...text(' never shown')] } : { steps: text(`answer to ${prompt}`) };
    });
    const ask = (where: { channelId: string }, prompt: string) => discord.slash({ channelId: where.channelId, name: 'ask', options: askOptions(prompt) });
    const answered = (i: FakeInteraction) => discord.waitFor(() => (new RegExp(`${FOOTER.source}|^⏳`, 'm').test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'answer', timeoutMs: 20_000 });

    // Each guild's command reaches only its own shard, and is answered once.
    const inA = await ask(a, 'a1');
    const inB = await ask(b, 'b1');
    expect(await answered(inA)).toMatch(/^answer to a1\n-# /);
    expect(await answered(inB)).toMatch(/^answer to b1\n-# /);
    expect(discord.shardsThatGot('INTERACTION_CREATE', (d) => (d as { id: string }).id === inA.id)).toEqual([`${a.shard}/2`]);
    expect(discord.shardsThatGot('INTERACTION_CREATE', (d) => (d as { id: string }).id === inB.id)).toEqual([`${b.shard}/2`]);
    expect(inA.callbacks).toHaveLength(1);
    expect(inB.callbacks).toHaveLength(1);
    // Only the process with shard 0 registered the commands.
    expect(discord.requests.filter((r) => r.method === 'GET' && /\/commands$/.test(r.path))).toHaveLength(1);

    // A channel setting written by B's shard process outlives it.
    const set = await discord.slash({ channelId: b.channelId, name: 'settings', options: [{ name: 'set', type: 1, options: [{ name: 'system_prompt', type: 3, value: 'Speak like a pirate.' }] }], memberPermissions: MANAGE_CHANNELS });
    expect(await discord.waitFor(() => set.original()?.content || undefined, { what: '/settings reply' })).toMatch(/^✅ Set for this channel/);

    // Kill B's shard process in the middle of an answer.
    const killed = await ask(b, 'b2');
    await gate.reached;
    const pid = pidOf(bot, b.shard)!;
    process.kill(pid, 'SIGKILL');
    // The other shard keeps answering meanwhile.
    expect(await answered(await ask(a, 'a2'))).toMatch(/^answer to a2\n-# /);
    await bot.printed(new RegExp(`"shard":${b.shard},[^\\n]*"msg":"shard ready"[\\s\\S]*"shard":${b.shard},[^\\n]*"msg":"shard ready"`), 30_000);
    expect(readyCount(bot, b.shard)).toBe(2);
    expect(pidOf(bot, b.shard)).not.toBe(pid);
    expect(lines(bot).some((l) => l.msg === 'shard process died; starting it again' && l.shard === b.shard)).toBe(true);
    gate.open();
    expect(killed.original()?.content ?? '').not.toMatch(FOOTER);

    // The respawned shard answers, with the channel's conversation from Redis: the killed turn absent, none doubled.
    expect(await answered(await ask(b, 'b3'))).toMatch(/^answer to b3\n-# /);
    const sent = (openrouter.chatRequests().at(-1) as { messages: { role: string; content: string }[] }).messages;
    expect(sent.filter((m) => m.role !== 'system').map((m) => m.content)).toEqual([expect.stringMatching(/b1$/), 'answer to b1', expect.stringMatching(/b3$/)]);
    expect(sent.find((m) => m.role === 'system')?.content).toContain('Speak like a pirate.');

    // The user's rate limit held across both shards and the respawn: a1, b1, b2, a2, b3 used all five.
    // (The killed b2 still holds a running-answer slot until it expires, and b3's may not be given
    // back yet: three slots keep the concurrency cap out of the way of the rate limit under test.)
    expect(await answered(await ask(a, 'a3'))).toMatch(/^⏳ You’ve asked a lot/);

    // SIGTERM stops every shard gracefully, then the manager exits 0.
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(lines(bot).filter((l) => l.msg === 'shard stopped').map((l) => [l.shard, l.code])).toEqual(expect.arrayContaining([[0, 0], [1, 0]]));
  }, 120_000);

  it('holds a user’s daily budget across shards', async () => {
    const { discord, openrouter, launch: run } = await start({ recommendedShards: 2, maxConcurrency: 2 }, { SHARD_COUNT: '2', BUDGET_USER_DAILY_USD: '0.02', HISTORY_MAX_TOKENS: '1000', MAX_ANSWER_TOKENS: '1000' });
    const second = discord.addGuild({ name: 'Second', shard: [1 - discord.shardOf(discord.guildId, 2), 2] });
    const bot = run();
    await bot.printed(/"msg":"shard ready"[^\n]*\n[\s\S]*"msg":"shard ready"/, 60_000);
    openrouter.setDefault({ steps: text('fine'), usage: { cost: 0.015 } });
    const settled = async (channelId: string) => {
      const i = await discord.slash({ channelId, name: 'ask', options: askOptions('question') });
      return discord.waitFor(() => (new RegExp(`${FOOTER.source}|^💸`, 'm').test(i.original()?.content ?? '') ? i.original()!.content : undefined), { what: 'an answer or a refusal', timeoutMs: 20_000 });
    };
    // $0.015 spent through one shard, then another $0.015 through the other (it started under the limit).
    expect(await settled(discord.defaultChannelId)).toMatch(FOOTER);
    expect(await settled(second.defaultChannelId)).toMatch(FOOTER);
    // Both shards now refuse: they see $0.03 of $0.02 (or, while the second answer's reservation is
    // still being settled to its real cost, what is settled so far and that the rest is running).
    const over = /^💸 You’ve used \$0\.0(3|150) of your \$0\.02 daily budget/;
    expect(await settled(discord.defaultChannelId)).toMatch(over);
    expect(await settled(second.defaultChannelId)).toMatch(over);
    expect(openrouter.chatRequests()).toHaveLength(2);
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }, 90_000);

  it('SHARD_IDS runs only those shards of SHARD_COUNT', async () => {
    const port = await freePort();
    const { discord, launch: run } = await start({}, { SHARD_COUNT: '2', SHARD_IDS: '1', HEALTH_PORT: String(port) });
    const bot = run();
    await bot.printed(/"msg":"shard ready"/, 60_000);
    expect(discord.identifies.map((i) => i.shard)).toEqual([[1, 2]]);
    // This machine's first shard process serves HEALTH_PORT itself (it listens once its shard is ready).
    await bot.printed(new RegExp(`"port":${port},[^\\n]*"msg":"health and metrics listening"`), 30_000);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(lines(bot).find((l) => l.msg === 'starting shards')).toMatchObject({ total: 2, ids: [1] });
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
  }, 60_000);
});

describe('SHARD_COUNT start-up refusals', () => {
  it('refuses SQLite, and SHARD_IDS past the count or without one, with one line each', async () => {
    const bot = spawnBot((dir) => ({ DISCORD_TOKEN: 'x.y.z', OPENROUTER_API_KEY: 'sk-or-x', DATABASE_URL: `sqlite://${dir}/b.sqlite`, SHARD_COUNT: '2', SHARD_IDS: '0-2' }));
    cleanups.push(() => bot.cleanup());
    expect(await bot.exited).toBe(1);
    expect(bot.output()).toContain("config error: DATABASE_URL: sharded mode (SHARD_COUNT) runs several processes, which can't share one SQLite file: set DATABASE_URL=redis://host:port");
    expect(bot.output()).toContain('config error: SHARD_IDS: lists a shard past SHARD_COUNT (2 shards are 0–1)');
    const alone = spawnBot({ DISCORD_TOKEN: 'x.y.z', OPENROUTER_API_KEY: 'sk-or-x', SHARD_IDS: '0-1' });
    cleanups.push(() => alone.cleanup());
    expect(await alone.exited).toBe(1);
    expect(alone.output()).toContain('config error: SHARD_IDS: needs SHARD_COUNT, the total number of shards the ids are out of');
  });
});
