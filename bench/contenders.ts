/**
 * A contender is one streaming implementation (the bot, or a baseline) running as its own process
 * against its own fake Discord and fake OpenRouter, which live in the benchmark's process: they
 * record every request and frame with the same clock, and the contender's CPU and memory are its
 * own.
 */
import { fileURLToPath } from 'node:url';
import { FakeDiscord, type FakeInteraction, type FakeMessage } from '../test/fakes/discord.js';
import { FakeOpenRouter, type RecordedRequest as UpstreamRequest } from '../test/fakes/openrouter.js';
import { fakeEnv, OPENROUTER_KEY } from '../test/helpers/harness.js';
import { spawnBot, type BotProcess } from '../test/helpers/process.js';

export type ContenderName = 'bot' | 'per-chunk' | 'per-second';

export const CONTENDER_LABEL: Record<ContenderName, string> = {
  bot: 'bot',
  'per-chunk': 'baseline: await an edit per chunk',
  'per-second': 'baseline: one edit per second',
};

export const CHAT_MODEL = 'openai/gpt-5-image-mini';
export const IMAGE_MODEL = 'google/gemini-3-pro-image-preview';

const baselineScript = fileURLToPath(new URL('./baseline-bot.ts', import.meta.url));

const readerUser = (n: number) => ({ id: String(100_000_000_000_000_000n + BigInt(n)), username: `reader${n}` });

export interface Contender {
  name: ContenderName;
  discord: FakeDiscord;
  openrouter: FakeOpenRouter;
  process: BotProcess;
  pid: number;
  /** Text channels, one per concurrent reply. */
  channels: string[];
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
  opts: { channels: number; editBucket: { limit: number; windowMs: number }; env?: Record<string, string>; nodeArgs?: string[] },
): Promise<Contender> {
  const discord = await FakeDiscord.start({ editBucket: opts.editBucket });
  const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
  // Channels exist before login, so they arrive in the guild's GUILD_CREATE like a real server's.
  const channels = Array.from({ length: opts.channels }, (_, i) => discord.createChannel({ name: `bench-${i}` }));
  const env = (dir: string) => ({
    ...fakeEnv(discord, openrouter, dir),
    CHAT_MODEL,
    IMAGE_MODEL,
    LOG_LEVEL: 'info',
    // Readers ask far more often than a person would: the per-user limits are not what is measured.
    USER_RATE_LIMIT: '100000',
    USER_MAX_CONCURRENT: '100',
    STRATEGY: name,
    ...opts.env,
  });
  const proc = spawnBot(env, { ...(name === 'bot' ? {} : { script: baselineScript }), ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}) });
  await discord.waitFor(() => discord.openConnections > 0 && discord.gatewayFrames.some((f) => f.op === 2), { timeoutMs: 30_000, what: `${name} logged in` }).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${proc.output()}`);
  });
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
