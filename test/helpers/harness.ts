import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type Bot } from '../../src/bot.js';
import type { Clock } from '../../src/clock.js';
import { parseConfig, type Config } from '../../src/config.js';
import { FakeDiscord, type FakeDiscordOptions, type FakeInteraction } from '../fakes/discord.js';
import { FakeOpenRouter, type Gate } from '../fakes/openrouter.js';
import { captureLogs } from './logs.js';

export const OPENROUTER_KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef';

/** The environment that points the bot at the fakes, storing in SQLite inside `dir`. */
export function fakeEnv(discord: FakeDiscord, openrouter: FakeOpenRouter, dir: string): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.token,
    OPENROUTER_API_KEY: OPENROUTER_KEY,
    DISCORD_API_URL: discord.apiUrl,
    OPENROUTER_BASE_URL: openrouter.baseUrl,
    DATABASE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
    DISCORD_GUILD_ID: discord.guildId,
  };
}

export interface Harness {
  discord: FakeDiscord;
  openrouter: FakeOpenRouter;
  bot: Bot;
  config: Config;
  logs: ReturnType<typeof captureLogs>;
  /** Stops the bot and starts a new one on the same storage (a process restart). */
  restart(): Promise<void>;
  /**
   * Starts another bot process's worth on the same Discord, OpenRouter and storage, beside `bot`:
   * once `bot` stops, the fake sends everything to it. Stopped by `close`.
   */
  another(): Promise<Bot>;
  close(): Promise<void>;
}

/**
 * The real bot, in-process, against a fake Discord and a fake OpenRouter, storing in a fresh
 * SQLite file (or the given DATABASE_URL).
 */
export async function startHarness(
  opts: {
    /** Extra variables; as a function, it can first set up the fake Discord (channels, users). */
    env?: Record<string, string> | ((discord: FakeDiscord) => Record<string, string> | Promise<Record<string, string>>);
    discord?: FakeDiscordOptions;
    /** Runs before the bot starts (what OpenRouter is like when the bot first asks it). */
    openrouter?: (fake: FakeOpenRouter) => void;
    storeNamespace?: string;
    /** The bot's wall clock and pauses (default: real time, pauses that take none). */
    clock?: Clock;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'bot-e2e-'));
  const discord = await FakeDiscord.start(opts.discord);
  const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
  opts.openrouter?.(openrouter);
  const parsed = parseConfig({
    ...fakeEnv(discord, openrouter, dir),
    LOG_LEVEL: 'debug',
    ...(typeof opts.env === 'function' ? await opts.env(discord) : opts.env),
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const config = parsed.config;
  const logs = captureLogs('debug', [config.discordToken, config.openRouterApiKey]);
  // Pauses (the bot's /generation retries) take no time unless a test brings its own clock.
  const clock = opts.clock ?? new TestClock();
  const launch = () => startBot(config, logs.logger, { ...(opts.storeNamespace ? { storeNamespace: opts.storeNamespace } : {}), clock });
  const others: Bot[] = [];
  const harness: Harness = {
    discord,
    openrouter,
    config,
    logs,
    bot: await launch(),
    async restart() {
      await harness.bot.stop();
      harness.bot = await launch();
    },
    async another() {
      const bot = await launch();
      others.push(bot);
      return bot;
    },
    async close() {
      await Promise.all([harness.bot, ...others].map((b) => b.stop().catch(() => undefined)));
      await Promise.all([discord.stop(), openrouter.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/**
 * Presses a button twice, the second time while the first press's request is held at `gate` (the
 * bot stays busy with it until the test opens the gate); resolves once the second is answered.
 */
export async function pressTwice(discord: FakeDiscord, { messageId, customId }: { messageId: string; customId: string }, gate: Gate): Promise<{ first: FakeInteraction; second: FakeInteraction }> {
  const first = await discord.component({ messageId, customId });
  await gate.reached;
  const second = await discord.component({ messageId, customId });
  await discord.waitFor(() => second.original()?.content || undefined, { what: 'second press answered' });
  return { first, second };
}

/** Builds /ask's options the way Discord sends them. */
export function askOptions(prompt: string, extra: { model?: string } = {}) {
  return [
    { name: 'prompt', type: 3, value: prompt },
    ...(extra.model ? [{ name: 'model', type: 3, value: extra.model }] : []),
  ];
}

/** A wall clock the test sets (until then, the real time), whose pauses take no time: they are counted instead. */
export class TestClock implements Clock {
  readonly waits: number[] = [];

  constructor(public time?: number) {}

  now(): number {
    return this.time ?? Date.now();
  }

  async wait(ms: number): Promise<void> {
    this.waits.push(ms);
  }
}
