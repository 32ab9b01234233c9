import type { Config } from '../config.js';
import { formatUsd } from '../costs/money.js';
import { UserError } from '../user-error.js';

export const REASONING_LEVELS = ['off', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningLevel = (typeof REASONING_LEVELS)[number];

export const SYSTEM_PROMPT_MAX_CHARS = 4_000;
export const MAX_STOP_SEQUENCES = 4;

/** Every setting a channel or server can hold, with the type of its value. */
export interface SettingValues {
  model: string;
  image_model: string;
  system_prompt: string;
  temperature: number;
  top_p: number;
  frequency_penalty: number;
  presence_penalty: number;
  seed: number;
  stop: string[];
  max_tokens: number;
  reasoning: ReasoningLevel;
  show_reasoning: boolean;
  threads: boolean;
  budget_user_daily: number;
  budget_server_daily: number;
  budget_server_monthly: number;
}

export type SettingName = keyof SettingValues;
export type PartialSettings = { [K in SettingName]?: SettingValues[K] };

/** How the option is declared to Discord (the same table builds `/settings set`). */
export type OptionShape =
  | { type: 'string'; maxLength: number; autocomplete?: boolean; choices?: readonly string[] }
  | { type: 'number'; min: number; max: number }
  /** `max` from the bot's limits, which differ per deployment. */
  | { type: 'integer'; min?: number; max?: (limits: Limits) => number }
  | { type: 'boolean' };

export interface SettingSpec<K extends SettingName> {
  name: K;
  /** For the option's description and `/settings show`. */
  description: string;
  option: OptionShape;
  /** Checks what a user typed and turns it into the stored value; throws UserError when wrong. */
  parse(raw: string | number | boolean, limits: Limits): SettingValues[K];
  /** How `/settings show` prints it. */
  format(value: SettingValues[K]): string;
  /** The environment's value and the variable it comes from, when the environment sets one. */
  fromEnv?(config: Config): { value: SettingValues[K]; variable: string } | undefined;
  /** The model's `supported_parameters` entry it needs; absent: it isn't a model parameter. */
  parameter?: string;
  /** Only a server can hold it (budgets): a channel can't escape its server's. */
  serverOnly?: true;
  /** What `/settings show` says when nothing sets it. */
  unset?: string;
}

export interface Limits {
  maxAnswerTokens: number;
}

const code = (s: string) => `\`${s.replace(/`/g, 'ˋ')}\``;

function numberIn(name: string, min: number, max: number) {
  return (raw: string | number | boolean): number => {
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new UserError(`\`${name}\` must be a number from ${min} to ${max}; you gave ${code(String(raw))}.`);
    }
    return n;
  };
}

function integerIn(name: string, min: number, max: number) {
  const inRange = numberIn(name, min, max);
  return (raw: string | number | boolean): number => {
    const n = inRange(raw);
    if (!Number.isInteger(n)) throw new UserError(`\`${name}\` must be a whole number; you gave ${code(String(raw))}.`);
    return n;
  };
}

function bool(raw: string | number | boolean): boolean {
  if (typeof raw === 'boolean') return raw;
  throw new UserError(`Expected true or false, got ${code(String(raw))}.`);
}

function modelId(name: string) {
  return (raw: string | number | boolean): string => {
    const id = String(raw).trim();
    if (!/^[\w.:~-]+\/[\w.:~-]+$/.test(id) || id.length > 100) {
      throw new UserError(`\`${name}\` must be an OpenRouter model id like \`openai/gpt-5\`; you gave ${code(id.slice(0, 100))}.`);
    }
    return id;
  };
}

/** `a | b | c`, with `\n` standing for a line break (slash options can't hold one). */
export function parseStopList(raw: string): string[] {
  const entries = raw
    .split('|')
    .map((s) => s.trim().replace(/\\n/g, '\n'))
    .filter((s) => s !== '');
  if (entries.length === 0) throw new UserError('`stop` needs at least one sequence, e.g. `END` or `END | STOP`.');
  if (entries.length > MAX_STOP_SEQUENCES) {
    throw new UserError(`\`stop\` takes up to ${MAX_STOP_SEQUENCES} sequences separated by \`|\`; you gave ${entries.length}.`);
  }
  return entries;
}

const onOff = (v: boolean) => (v ? 'on' : 'off');

/** Highest budget `/settings` takes, in US dollars. */
export const MAX_BUDGET_USD = 1_000_000;

export function formatBudget(usd: number): string {
  return usd === 0 ? '$0 (nothing may be spent)' : formatUsd(usd);
}

/** A budget in US dollars, held by a server only. */
function budget<K extends 'budget_user_daily' | 'budget_server_daily' | 'budget_server_monthly'>(name: K, description: string, fromEnv?: SettingSpec<K>['fromEnv']): SettingSpec<K> {
  return {
    name,
    description,
    option: { type: 'number', min: 0, max: MAX_BUDGET_USD },
    parse: (raw) => parseBudget(name, raw),
    format: formatBudget,
    serverOnly: true,
    unset: 'unlimited',
    ...(fromEnv ? { fromEnv } : {}),
  };
}

export function parseBudget(name: string, raw: string | number | boolean): number {
  return numberIn(name, 0, MAX_BUDGET_USD)(raw);
}
const plain = (v: number) => String(v);

function spec<K extends SettingName>(s: SettingSpec<K>): SettingSpec<K> {
  return s;
}

/** A number the model takes under the setting's own name, within a range. */
function sampling<K extends 'temperature' | 'top_p' | 'frequency_penalty' | 'presence_penalty'>(name: K, description: string, min: number, max: number): SettingSpec<K> {
  return { name, description, option: { type: 'number', min, max }, parse: numberIn(name, min, max), format: plain, parameter: name };
}

/** Any one setting's spec (a union, so each keeps its own value type). */
export type AnySettingSpec = { [K in SettingName]: SettingSpec<K> }[SettingName];

/** The settings in the order `/settings show` lists them. */
export const SETTINGS: readonly AnySettingSpec[] = [
  spec({
    name: 'model',
    description: 'Chat model for /ask and mentions',
    option: { type: 'string', maxLength: 100, autocomplete: true },
    parse: modelId('model'),
    format: code,
    fromEnv: (c) => ({ value: c.chatModel, variable: 'CHAT_MODEL' }),
  }),
  spec({
    name: 'image_model',
    description: 'Image model for /imagine',
    option: { type: 'string', maxLength: 100, autocomplete: true },
    parse: modelId('image_model'),
    format: code,
    fromEnv: (c) => ({ value: c.imageModel, variable: 'IMAGE_MODEL' }),
  }),
  spec({
    name: 'system_prompt',
    description: 'Persona/instructions; {user} {channel} {server} {date} {time} are filled in',
    option: { type: 'string', maxLength: SYSTEM_PROMPT_MAX_CHARS },
    parse: (raw) => {
      const text = String(raw).trim();
      if (!text) throw new UserError('`system_prompt` can’t be empty; use `/settings reset setting:system_prompt` to go back to the default.');
      if (text.length > SYSTEM_PROMPT_MAX_CHARS) {
        throw new UserError(`\`system_prompt\` is ${text.length.toLocaleString('en')} characters; the limit is ${SYSTEM_PROMPT_MAX_CHARS.toLocaleString('en')}.`);
      }
      return text;
    },
    format: (v) => {
      const oneLine = v.replace(/\s+/g, ' ');
      const shown = oneLine.length > 120 ? `${oneLine.slice(0, 120)}…` : oneLine;
      return `“${shown.replace(/[`*_~|>\\]/g, (c) => `\\${c}`)}” (${v.length.toLocaleString('en')} characters)`;
    },
    fromEnv: (c) => ({ value: c.systemPrompt, variable: 'SYSTEM_PROMPT' }),
  }),
  sampling('temperature', 'Randomness, 0–2 (model default when unset)', 0, 2),
  sampling('top_p', 'Nucleus sampling, 0–1', 0, 1),
  sampling('frequency_penalty', 'Discourages repeating the same words, −2 to 2', -2, 2),
  sampling('presence_penalty', 'Encourages new topics, −2 to 2', -2, 2),
  spec({
    name: 'seed',
    description: 'Same seed, same settings: more repeatable answers',
    option: { type: 'integer' },
    parse: integerIn('seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    format: plain,
    parameter: 'seed',
  }),
  spec({
    name: 'stop',
    description: 'Up to 4 sequences that end the answer, separated by |',
    option: { type: 'string', maxLength: 400 },
    parse: (raw) => parseStopList(String(raw)),
    format: (v) => v.map((s) => code(s.replace(/\n/g, '\\n'))).join(', '),
    parameter: 'stop',
  }),
  spec({
    name: 'max_tokens',
    description: 'Longest answer in tokens (capped by the bot’s MAX_ANSWER_TOKENS)',
    option: { type: 'integer', min: 1, max: (limits) => limits.maxAnswerTokens },
    parse: (raw, limits) => integerIn('max_tokens', 1, limits.maxAnswerTokens)(raw),
    format: (v) => v.toLocaleString('en'),
    fromEnv: (c) => ({ value: c.maxAnswerTokens, variable: 'MAX_ANSWER_TOKENS' }),
  }),
  spec({
    name: 'reasoning',
    description: 'How hard reasoning models think before answering',
    option: { type: 'string', maxLength: 10, choices: REASONING_LEVELS },
    parse: (raw) => {
      const level = String(raw) as ReasoningLevel;
      if (!REASONING_LEVELS.includes(level)) throw new UserError(`\`reasoning\` must be one of ${REASONING_LEVELS.map(code).join(', ')}.`);
      return level;
    },
    format: code,
    fromEnv: (c) => (c.reasoningEffort ? { value: c.reasoningEffort, variable: 'REASONING_EFFORT' } : undefined),
    parameter: 'reasoning',
  }),
  spec({
    name: 'show_reasoning',
    description: 'Show what the model is thinking while it thinks, and a Reasoning button',
    option: { type: 'boolean' },
    parse: bool,
    format: onOff,
    fromEnv: (c) => ({ value: c.showReasoning, variable: 'SHOW_REASONING' }),
  }),
  spec({
    name: 'threads',
    description: '/ask answers in a new thread by default',
    option: { type: 'boolean' },
    parse: bool,
    format: onOff,
  }),
  budget('budget_user_daily', 'US$ each member may spend here per UTC day (server only)'),
  budget('budget_server_daily', 'US$ the whole server may spend per UTC day (server only)', (c) =>
    c.budgets.serverDaily === undefined ? undefined : { value: c.budgets.serverDaily, variable: 'BUDGET_SERVER_DAILY_USD' },
  ),
  budget('budget_server_monthly', 'US$ the whole server may spend per UTC month (server only)', (c) =>
    c.budgets.serverMonthly === undefined ? undefined : { value: c.budgets.serverMonthly, variable: 'BUDGET_SERVER_MONTHLY_USD' },
  ),
];

/** The role half of a role budget: `/settings set budget_role:<role> budget_role_daily:<US$>`. */
export const ROLE_BUDGET_OPTIONS = { role: 'budget_role', daily: 'budget_role_daily' } as const;

export const SETTING_NAMES: readonly SettingName[] = SETTINGS.map((s) => s.name);

export function specOf<K extends SettingName>(name: K): SettingSpec<K> {
  return SETTINGS.find((s) => s.name === name) as unknown as SettingSpec<K>;
}

export function isSettingName(name: string): name is SettingName {
  return (SETTING_NAMES as readonly string[]).includes(name);
}

/** Parses what a user typed for each setting; the first bad value throws its UserError. */
export function parseSettings(raw: Partial<Record<SettingName, string | number | boolean>>, limits: Limits): PartialSettings {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const value = raw[s.name];
    if (value !== undefined) out[s.name] = (s.parse as (r: typeof value, l: Limits) => unknown)(value, limits);
  }
  return out as PartialSettings;
}

/** Formats one value with its setting's own formatter. */
export function formatValue<K extends SettingName>(name: K, value: SettingValues[K]): string {
  return specOf(name).format(value);
}
