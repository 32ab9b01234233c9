/**
 * A contender is one streaming implementation (the bot, or a baseline) running as its own process
 * against its own fake Discord and fake OpenRouter, which live in the benchmark's process: they
 * record every request and frame with the same clock, and the contender's CPU and memory are its
 * own.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeDiscord, type FakeInteraction, type FakeMessage } from '../test/fakes/discord.js';
import { FakeOpenRouter, type RecordedRequest as UpstreamRequest } from '../test/fakes/openrouter.js';
import { fakeEnv, OPENROUTER_KEY } from '../test/helpers/harness.js';
import { spawnBot, type BotProcess } from '../test/helpers/process.js';
import { REDIS_URL } from '../test/helpers/redis.js';

export type ContenderName = 'bot' | 'per-chunk' | 'per-second';

export const CONTENDER_LABEL: Record<ContenderName, string> = {
  bot: 'bot',
  'per-chunk': 'baseline: await an edit per chunk',
  'per-second': 'baseline: one edit per second',
};

export const CHAT_MODEL = 'openai/gpt-5-image-mini';
export const IMAGE_MODEL = 'google/gemini-3-pro-image-preview';

const baselineScript = fileURLToPath(new URL('./baseline-bot.ts', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

let built = false;

/** The built entry point, built first when the sources changed (what `npm start`'s prestart does), once per run. */
function builtEntry(): string {
  if (built) return 'dist/src/index.js';
  const build = spawnSync(process.execPath, ['scripts/build-if-changed.mjs'], { cwd: repo, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  built = true;
  return 'dist/src/index.js';
}

const readerUser = (n: number) => ({ id: String(100_000_000_000_000_000n + BigInt(n)), username: `reader${n}` });

export interface Contender {
  name: ContenderName;
  discord: FakeDiscord;
  openrouter: FakeOpenRouter;
  process: BotProcess;
  pid: number;
  /** Text channels, one per concurrent reply (sharded: spread over a guild per shard, in turn). */
  channels: string[];
  /** The processes answering: the bot's own, or (sharded) each shard's. */
  pids(): number[];
  /** Sends /ask in a channel as reader `reader` (by default the channel's own); `tag` makes the upstream request findable. */
  ask(channel: number, tag: string, prompt: string, reader?: number): Promise<FakeInteraction>;
  /** Mentions the bot in a channel as reader `reader` (the bot only: the baselines answer /ask alone). */
  mention(channel: number, tag: string, prompt: string, reader?: number): FakeMessage;
  /** The upstream request whose prompt carried `tag`. */
  upstreamFor(tag: string): UpstreamRequest | undefined;
  stop(): Promise<void>;
}

export async function startContender(
  name: ContenderName,
  opts: {
    channels: number;
    editBucket: { limit: number; windowMs: number };
    env?: Record<string, string>;
    nodeArgs?: string[];
    /** Runs the bot with SHARD_COUNT (one process per shard) on Redis, with a guild on each shard. */
    shards?: number;
    /**
     * Runs the bot as `npm start` does once it has built, `node dist/src/index.js` (the process
     * measured is the bot's own, not npm's), rather than its sources through tsx.
     */
    built?: boolean;
  },
): Promise<Contender> {
  const shards = opts.shards;
  const discord = await FakeDiscord.start({ editBucket: opts.editBucket, ...(shards ? { recommendedShards: shards, maxConcurrency: shards } : {}) });
  const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
  const guilds = shards ? Array.from({ length: shards }, (_, s) => discord.addGuild({ name: `shard ${s}`, shard: [s, shards] }).guildId) : [discord.guildId];
  // Channels exist before login, so they arrive in the guild's GUILD_CREATE like a real server's.
  const channels = Array.from({ length: opts.channels }, (_, i) => discord.createChannel({ name: `bench-${i}`, guildId: guilds[i % guilds.length]! }));
  const sharding = (dir: string): Record<string, string> => {
    if (!shards) return fakeEnv(discord, openrouter, dir);
    // Commands for every guild (no DISCORD_GUILD_ID), in a store of its own on the shared Redis.
    const { DISCORD_GUILD_ID: _guild, ...env } = fakeEnv(discord, openrouter, dir);
    return { ...env, SHARD_COUNT: String(shards), DATABASE_URL: REDIS_URL, STORE_NAMESPACE: `bench-${process.pid}-${Date.now()}` };
  };
  const env = (dir: string) => ({
    ...sharding(dir),
    CHAT_MODEL,
    IMAGE_MODEL,
    LOG_LEVEL: 'info',
    // Readers ask far more often than a person would: the per-user limits are not what is measured.
    USER_RATE_LIMIT: '100000',
    USER_MAX_CONCURRENT: '100',
    STRATEGY: name,
    ...opts.env,
  });
  // Sharded, it runs as operators run it, `npm start` (the build, not tsx): the memory of each shard
  // process is part of what is measured. Its process group ends with it, shards included.
  const proc = shards
    ? spawnBot(env, { command: { file: 'npm', args: ['start'], cwd: repo } })
    : opts.built && name === 'bot'
      ? spawnBot(env, { command: { file: process.execPath, args: [...(opts.nodeArgs ?? []), builtEntry()], cwd: repo } })
      : spawnBot(env, { ...(name === 'bot' ? {} : { script: baselineScript }), ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}) });
  const identified = shards ?? 1;
  await discord.waitFor(() => discord.openConnections >= identified && discord.gatewayFrames.filter((f) => f.op === 2).length >= identified, { timeoutMs: 60_000, what: `${name} logged in` }).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${proc.output()}`);
  });
  if (shards) await proc.printed(new RegExp('"msg":"shard ready"[\\s\\S]*'.repeat(shards)), 60_000);
  // The bot registers its commands once ready; baselines need none.
  if (name === 'bot') await discord.waitFor(() => discord.requests.some((r) => r.method === 'PUT' && r.path.includes('/commands')), { timeoutMs: 30_000, what: 'commands registered' });
  const upstream = new Map<string, UpstreamRequest>();
  return {
    name,
    discord,
    openrouter,
    process: proc,
    pid: proc.child.pid!,
    channels,
    pids: () => (shards ? shardPids(proc, shards) : [proc.child.pid!]),
    ask: (channel, tag, prompt, reader = channel) =>
      discord.slash({ channelId: channels[channel]!, name: 'ask', options: [{ name: 'prompt', type: 3, value: `[${tag}] ${prompt}` }], user: readerUser(reader) }),
    mention: (channel, tag, prompt, reader = channel) =>
      discord.postUserMessage({ channelId: channels[channel]!, content: `[${tag}] ${prompt}`, mentionsBot: true, author: readerUser(reader) }),
    upstreamFor(tag) {
      // Checked on every request the fake sees while waiting, so found records are remembered.
      let record = upstream.get(tag);
      if (!record) {
        record = openrouter.chatRecords().find((r) => JSON.stringify(r.body?.messages?.at(-1)).includes(`[${tag}]`));
        if (record) upstream.set(tag, record);
      }
      return record;
    },
    async stop() {
      proc.cleanup();
      await proc.exited;
      await Promise.all([discord.stop(), openrouter.stop()]);
    },
  };
}

/** The newest process of each shard, from the manager's `shard process started` log lines. */
function shardPids(proc: BotProcess, shards: number): number[] {
  const latest = new Map<number, number>();
  for (const line of proc.output().split('\n')) {
    if (!line.includes('"shard process started"')) continue;
    const { shard, pid } = JSON.parse(line) as { shard: number; pid: number };
    latest.set(shard, pid);
  }
  if (latest.size !== shards) throw new Error(`${latest.size} of ${shards} shard processes started:\n${proc.output().slice(-2000)}`);
  return [...latest.values()];
}
