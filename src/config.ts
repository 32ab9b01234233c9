import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import type { AccessPolicy } from './access.js';
import { REASONING_LEVELS, type ReasoningLevel } from './settings/definitions.js';
import { parseShardIds } from './sharding/shard-ids.js';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord ID (17–20 digits)');
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
export const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be positive');
const dollars = z.coerce.number({ error: 'must be an amount in US dollars, like 2.50' }).nonnegative('must be 0 or more').max(1_000_000, 'must be at most 1000000');

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const idList = z
  .string()
  .transform((s) => s.split(',').map((id) => id.trim()).filter(Boolean))
  .pipe(z.array(snowflake))
  .default([]);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes'].includes(v));

const shardIds = z.string().transform((text, ctx) => {
  const parsed = parseShardIds(text);
  if ('problem' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  }
  return parsed.ids;
});

const schema = z
  .object({
  DISCORD_TOKEN: z.string({ error: 'is required' }).min(1, 'is required'),
  OPENROUTER_API_KEY: z.string({ error: 'is required' }).min(1, 'is required'),
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  OPENROUTER_BASE_URL: httpUrl.default('https://openrouter.ai/api/v1'),
  OPENROUTER_APP_URL: httpUrl.optional(),
  // It travels as an HTTP header, which takes printable ASCII only.
  OPENROUTER_APP_TITLE: z.string().regex(/^[\x20-\x7E]{1,100}$/, 'must be 1–100 printable ASCII characters (it is sent as an HTTP header)').optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite|redis|rediss):\/\/.+/, 'must be sqlite://<file> or redis://host:port')
    .default('sqlite://./data/bot.sqlite'),
  DISCORD_GUILD_ID: snowflake.optional(),
  CHAT_MODEL: z.string().min(1).default('openai/gpt-5-image-mini'),
  IMAGE_MODEL: z.string().min(1).default('openai/gpt-5-image-mini'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  STREAM_IDLE_TIMEOUT_MS: positiveInt.default(120_000),
  IMAGE_IDLE_TIMEOUT_MS: positiveInt.default(300_000),
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
  OPENROUTER_RETRY_MAX_MS: positiveInt.default(12_000),
  USER_RATE_LIMIT: positiveInt.default(10),
  USER_RATE_WINDOW_S: positiveInt.default(60),
  USER_MAX_CONCURRENT: positiveInt.default(2),
  ALLOWED_GUILD_IDS: idList,
  ALLOWED_CHANNEL_IDS: idList,
  ALLOWED_ROLE_IDS: idList,
  ALLOW_DMS: flag.default(false),
  MAX_PROMPT_CHARS: positiveInt.default(4000),
  MAX_ATTACHMENTS: positiveInt.default(4),
  MAX_ANSWER_TOKENS: positiveInt.default(4000),
  HISTORY_MAX_TOKENS: positiveInt.default(12_000),
  MAX_ATTACHMENT_MB: positiveInt.default(20),
  SYSTEM_PROMPT: z.string().optional(),
  SHOW_REASONING: flag.default(true),
  MESSAGE_CONTENT_INTENT: flag.default(true),
  HEALTH_PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0, 'must be a port number').max(65_535, 'must be a port number').optional(),
  REASONING_EFFORT: z.enum(REASONING_LEVELS, { error: `must be one of ${REASONING_LEVELS.join(', ')}` }).optional(),
  BUTTON_TTL_HOURS: positiveInt.default(24),
  BUDGET_USER_DAILY_USD: dollars.optional(),
  BUDGET_SERVER_DAILY_USD: dollars.optional(),
  BUDGET_SERVER_MONTHLY_USD: dollars.optional(),
  KEY_WARN_REMAINING_USD: dollars.default(1),
  KEY_POLL_INTERVAL_S: positiveInt.default(300),
  SHARD_COUNT: z.union([z.literal('auto'), positiveInt], { error: 'must be a number of shards or auto' }).optional(),
  SHARD_IDS: shardIds.optional(),
  STORE_NAMESPACE: z.string().regex(/^[\w.-]{1,64}$/, 'must be letters, digits, ., _ or - (up to 64)').default('bot'),
})
  .superRefine((e, ctx) => {
    if (e.SHARD_IDS && e.SHARD_COUNT === undefined) ctx.addIssue({ code: 'custom', path: ['SHARD_IDS'], message: 'needs SHARD_COUNT, the total number of shards the ids are out of' });
    if (e.SHARD_IDS && typeof e.SHARD_COUNT === 'number' && e.SHARD_IDS.some((id) => id >= (e.SHARD_COUNT as number))) {
      ctx.addIssue({ code: 'custom', path: ['SHARD_IDS'], message: `lists a shard past SHARD_COUNT (${e.SHARD_COUNT} shards are 0–${e.SHARD_COUNT - 1})` });
    }
    if (e.SHARD_COUNT !== undefined && e.DATABASE_URL.startsWith('sqlite:')) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'sharded mode (SHARD_COUNT) runs several processes, which can\'t share one SQLite file: set DATABASE_URL=redis://host:port' });
    }
  });

export interface Config {
  discordToken: string;
  openRouterApiKey: string;
  discordApiUrl: string;
  openRouterBaseUrl: string;
  /** OpenRouter app attribution: sent as HTTP-Referer when set. */
  openRouterAppUrl: string | undefined;
  /** OpenRouter app attribution: the title; unset means the bot's Discord name. */
  openRouterAppTitle: string | undefined;
  databaseUrl: string;
  discordGuildId: string | undefined;
  chatModel: string;
  imageModel: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  streamIdleTimeoutMs: number;
  /** Image API generations: no preview or answer arrives for minutes while a large batch is drawn. */
  imageIdleTimeoutMs: number;
  shutdownGraceMs: number;
  openRouterRetryMaxMs: number;
  userLimits: { maxRequests: number; windowMs: number; maxConcurrent: number };
  access: AccessPolicy;
  maxPromptChars: number;
  maxAttachments: number;
  maxAnswerTokens: number;
  historyMaxTokens: number;
  maxAttachmentBytes: number;
  systemPrompt: string;
  /** Default for the `show_reasoning` setting. */
  showReasoning: boolean;
  /** Default for the `reasoning` setting; unset: each model's own default. */
  reasoningEffort: ReasoningLevel | undefined;
  /** How long the buttons under an answer keep working (what they need is stored that long). */
  buttonTtlMs: number;
  /** Whether to ask Discord for the privileged Message Content intent (needed for images on others' messages). */
  messageContentIntent: boolean;
  /** Where `/healthz` and `/metrics` listen; unset: nowhere. */
  healthPort: number | undefined;
  /** Run sharded: this many shards in all (`auto`: as many as Discord recommends); unset: one process, unsharded. */
  shardCount: number | 'auto' | undefined;
  /** The shards this process group runs (of `shardCount`); unset: all of them. */
  shardIds: number[] | undefined;
  /** Prefix of every key in the store, so several bots (or test runs) can share one Redis. */
  storeNamespace: string;
  /** The operator's budgets in US dollars; undefined: unlimited. */
  budgets: Budgets;
  /** Warn when the key's own limit has less than this left (US dollars). */
  keyWarnRemainingUsd: number;
  keyPollIntervalMs: number;
}

export interface Budgets {
  /** Per user per UTC day, across every server and DM. */
  userDaily: number | undefined;
  /** Per server per UTC day. */
  serverDaily: number | undefined;
  /** Per server per UTC month. */
  serverMonthly: number | undefined;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant in a Discord channel. Several people may talk to you; each message is prefixed with who sent it. Answer in Discord markdown and keep answers concise unless asked for detail.';

/** Empty strings count as unset: `FOO=` in a .env file should mean "use the default". */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''));
}

/** Reads variables with a schema: their values, or one line per problem naming the variable. */
export function parseVariables<S extends z.ZodType>(variables: S, env: NodeJS.ProcessEnv): { ok: true; data: z.output<S> } | { ok: false; problems: string[] } {
  const parsed = variables.safeParse(withoutEmpty(env));
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`) };
}

export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const parsed = parseVariables(schema, env);
  if (!parsed.ok) return parsed;
  const e = parsed.data;
  return {
    ok: true,
    config: {
      discordToken: e.DISCORD_TOKEN,
      openRouterApiKey: e.OPENROUTER_API_KEY,
      discordApiUrl: e.DISCORD_API_URL.replace(/\/+$/, ''),
      openRouterBaseUrl: e.OPENROUTER_BASE_URL.replace(/\/+$/, ''),
      openRouterAppUrl: e.OPENROUTER_APP_URL,
      openRouterAppTitle: e.OPENROUTER_APP_TITLE,
      databaseUrl: e.DATABASE_URL,
      discordGuildId: e.DISCORD_GUILD_ID,
      chatModel: e.CHAT_MODEL,
      imageModel: e.IMAGE_MODEL,
      logLevel: e.LOG_LEVEL,
      streamIdleTimeoutMs: e.STREAM_IDLE_TIMEOUT_MS,
      imageIdleTimeoutMs: e.IMAGE_IDLE_TIMEOUT_MS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      openRouterRetryMaxMs: e.OPENROUTER_RETRY_MAX_MS,
      userLimits: { maxRequests: e.USER_RATE_LIMIT, windowMs: e.USER_RATE_WINDOW_S * 1000, maxConcurrent: e.USER_MAX_CONCURRENT },
      access: { guilds: new Set(e.ALLOWED_GUILD_IDS), channels: new Set(e.ALLOWED_CHANNEL_IDS), roles: new Set(e.ALLOWED_ROLE_IDS), allowDMs: e.ALLOW_DMS },
      maxPromptChars: e.MAX_PROMPT_CHARS,
      maxAttachments: e.MAX_ATTACHMENTS,
      maxAnswerTokens: e.MAX_ANSWER_TOKENS,
      historyMaxTokens: e.HISTORY_MAX_TOKENS,
      maxAttachmentBytes: e.MAX_ATTACHMENT_MB * 1024 * 1024,
      systemPrompt: e.SYSTEM_PROMPT ?? DEFAULT_SYSTEM_PROMPT,
      showReasoning: e.SHOW_REASONING,
      reasoningEffort: e.REASONING_EFFORT,
      buttonTtlMs: e.BUTTON_TTL_HOURS * 3_600_000,
      messageContentIntent: e.MESSAGE_CONTENT_INTENT,
      healthPort: e.HEALTH_PORT,
      shardCount: e.SHARD_COUNT,
      shardIds: e.SHARD_IDS,
      storeNamespace: e.STORE_NAMESPACE,
      budgets: { userDaily: e.BUDGET_USER_DAILY_USD, serverDaily: e.BUDGET_SERVER_DAILY_USD, serverMonthly: e.BUDGET_SERVER_MONTHLY_USD },
      keyWarnRemainingUsd: e.KEY_WARN_REMAINING_USD,
      keyPollIntervalMs: e.KEY_POLL_INTERVAL_S * 1000,
    },
  };
}

/** The environment over `.env` (when present): a variable set in the environment wins. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): NodeJS.ProcessEnv {
  return { ...(existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {}), ...env };
}
