import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import { budgetsFor, describeBudget, explainBudget, NO_SERVER_BUDGETS } from '../../src/costs/budgets.js';
import { costAt, imageWorstCost, requestBound, worstCost } from '../../src/costs/estimate.js';
import { emptyTotals } from '../../src/costs/ledger.js';
import { toNanos } from '../../src/costs/money.js';
import { pricingOf, type ModelInfo } from '../../src/openrouter/models.js';
import { resolveSettings } from '../../src/settings/resolve.js';

function config(env: Record<string, string> = {}): Config {
  const parsed = parseConfig({ DISCORD_TOKEN: 't', OPENROUTER_API_KEY: 'k', ...env });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.config;
}

const NOW = Date.parse('2026-03-30T20:00:00Z');
const MIDNIGHT = '<t:1774915200:R>';
const place = { userId: 'u', guildId: 'g', channelId: 'c' };
const server = (over: Partial<typeof NO_SERVER_BUDGETS> = {}) => ({ ...NO_SERVER_BUDGETS, ...over });

describe('which budgets apply', () => {
  it('none when nothing is set: unlimited', () => {
    expect(budgetsFor(place, config().budgets, NO_SERVER_BUDGETS, NOW)).toEqual([]);
  });

  it('the operator’s per-user budget counts the user everywhere; a server’s per-user budget counts them in that server', () => {
    const budgets = budgetsFor(place, config({ BUDGET_USER_DAILY_USD: '1' }).budgets, server({ userDaily: 0.5 }), NOW);
    expect(budgets.map((b) => [b.name, b.key, b.limit])).toEqual([
      ['user-daily', { period: 'd:2026-03-30', dim: 'user', id: 'u' }, toNanos(1)],
      ['member-daily', { period: 'd:2026-03-30', dim: 'member', id: 'g:u' }, toNanos(0.5)],
    ]);
    expect(budgetsFor({ ...place, guildId: null }, config({ BUDGET_USER_DAILY_USD: '1' }).budgets, server({ userDaily: 0.5 }), NOW).map((b) => b.name)).toEqual(['user-daily']);
  });

  it('the most generous of the asker’s role budgets replaces the server’s per-user budget', () => {
    const [member] = budgetsFor(place, config().budgets, server({ userDaily: 0.5, roles: new Map([['r1', 2], ['r2', 5], ['r3', 0]]) }), NOW);
    expect(member).toMatchObject({ name: 'member-daily', limit: toNanos(5), source: { kind: 'role', roleId: 'r2' } });
  });

  it('server budgets: the stricter of the operator’s and the server’s, monthly resetting on the first', () => {
    const budgets = budgetsFor(place, config({ BUDGET_SERVER_DAILY_USD: '2', BUDGET_SERVER_MONTHLY_USD: '10' }).budgets, server({ serverDaily: 5, serverMonthly: 3 }), NOW);
    expect(budgets.map((b) => [b.name, b.limit, b.source])).toEqual([
      ['server-daily', toNanos(2), { kind: 'env', variable: 'BUDGET_SERVER_DAILY_USD' }],
      ['server-monthly', toNanos(3), { kind: 'server' }],
    ]);
    expect(budgets[1]!.key).toEqual({ period: 'm:2026-03', dim: 'server', id: 'g' });
    expect(budgets[1]!.resetsAt).toBe(Date.parse('2026-04-01T00:00:00Z'));
  });
});

describe('what users see', () => {
  const [userDaily, member, serverDaily, monthly] = budgetsFor(
    place,
    config({ BUDGET_USER_DAILY_USD: '1', BUDGET_SERVER_DAILY_USD: '20', BUDGET_SERVER_MONTHLY_USD: '300' }).budgets,
    server({ roles: new Map([['555', 0.25]]) }),
    NOW,
  );
  const used = (cost: number, reserved = 0) => ({ ...emptyTotals(), cost: toNanos(cost), reserved: toNanos(reserved) });

  it('names the budget, what is used and when it resets', () => {
    expect(explainBudget(userDaily!, used(1.02))).toBe(`💸 You’ve used $1.02 of your $1.00 daily budget. It resets ${MIDNIGHT}.`);
    expect(explainBudget(member!, used(0.25))).toBe(`💸 You’ve used $0.25 of your $0.25 daily budget in this server (the <@&555> budget). It resets ${MIDNIGHT}.`);
    expect(explainBudget(serverDaily!, used(20.5))).toBe(`💸 This server has used $20.50 of its $20.00 daily budget. It resets ${MIDNIGHT}.`);
    expect(explainBudget(monthly!, used(300))).toBe('💸 This server has used $300.00 of its $300.00 monthly budget. It resets <t:1775001600:R>.');
  });

  it('says when answers still running hold the rest', () => {
    expect(explainBudget(userDaily!, used(0.9, 0.2))).toBe(`💸 You’ve used $0.90 of your $1.00 daily budget, and answers still running may use the rest. It resets ${MIDNIGHT}.`);
  });

  it('describes used and left for /usage', () => {
    expect(describeBudget(userDaily!, used(0.4))).toBe(`Your daily budget (everywhere): $0.40 of $1.00 used, $0.60 left · resets ${MIDNIGHT}`);
    expect(describeBudget(monthly!, used(301))).toBe('The server’s monthly budget: $301.00 of $300.00 used, $0.00 left · resets <t:1775001600:R>');
  });
});

describe('a request’s worst cost', () => {
  const pricing = pricingOf({ prompt: '0.000001', completion: '0.000002', request: '0.001', image: '0.01', imageOutput: '0.00004' })!;

  it('reads OpenRouter’s prices, billing every completion token at the dearest output rate; variable prices are unknown', () => {
    expect(pricing).toEqual({ prompt: 0.000001, completion: 0.00004, request: 0.001, image: 0.01 });
    expect(pricingOf({ prompt: '-1', completion: '-1' })).toBeUndefined();
  });

  it('bounds the prompt by the history cap, the texts, the files and the images, and the answer by max tokens', () => {
    const bound = requestBound({ prompt: 'x'.repeat(40), systemPrompt: 'y'.repeat(400), attachments: [{ size: 4000, image: false }, { size: 9e6, image: true }], historyMaxTokens: 1000, maxCompletionTokens: 500 });
    // 1000 history + (100 + 4) system + (10 + 4) prompt + 1000 file + 3 images × 1000 (one attached, two recent).
    expect(bound).toEqual({ promptTokens: 1000 + 104 + 14 + 1000 + 3000, completionTokens: 500, images: 3 });
    expect(costAt(pricing, bound)).toBeCloseTo(0.001 + 0.000001 * 5118 + 0.00004 * 500 + 0.01 * 3, 12);
  });

  it('takes the answer cap from the settings and the model, and is unknown without prices', () => {
    const c = config({ MAX_ANSWER_TOKENS: '2000', HISTORY_MAX_TOKENS: '1', SYSTEM_PROMPT: 'sys' });
    const model = { id: 'a/b', maxCompletionTokens: 800, supportedParameters: [], pricing: { prompt: 0, completion: 0.001, request: 0, image: 0 } } as unknown as ModelInfo;
    const settings = resolveSettings({ channel: { max_tokens: 1500 } }, c);
    expect(worstCost(c, model, { prompt: 'hi', attachments: [], settings })).toBeCloseTo(0.8, 9);
    expect(worstCost(c, { ...model, pricing: undefined }, { prompt: 'hi', attachments: [], settings })).toBeUndefined();
  });
});

describe('budget settings', () => {
  it('come from the server only: a channel or a request can’t escape them', () => {
    const c = config({ BUDGET_SERVER_DAILY_USD: '4' });
    const s = resolveSettings({ channel: { budget_user_daily: 100 }, server: { budget_user_daily: 1 } }, c, { budget_server_daily: 100 });
    expect(s.budget_user_daily).toEqual({ value: 1, source: { kind: 'server' } });
    expect(s.budget_server_daily).toEqual({ value: 4, source: { kind: 'env', variable: 'BUDGET_SERVER_DAILY_USD' } });
    expect(s.budget_server_monthly).toEqual({ value: undefined, source: { kind: 'default' } });
  });

  it('reads the budget variables, naming a bad one', () => {
    expect(config({ BUDGET_USER_DAILY_USD: '0.5', BUDGET_SERVER_MONTHLY_USD: '0' }).budgets).toEqual({ userDaily: 0.5, serverDaily: undefined, serverMonthly: 0 });
    const bad = parseConfig({ DISCORD_TOKEN: 't', OPENROUTER_API_KEY: 'k', BUDGET_USER_DAILY_USD: 'lots', BUDGET_SERVER_DAILY_USD: '-1' });
    expect(!bad.ok && bad.problems).toEqual(['BUDGET_USER_DAILY_USD: must be an amount in US dollars, like 2.50', 'BUDGET_SERVER_DAILY_USD: must be 0 or more']);
  });
});

describe('imageWorstCost', () => {
  const per = (costUsd: number, unit = 'image', billable = 'output_image', variant?: string) => ({ billable, unit, costUsd, ...(variant ? { variant } : {}) });

  it('prices the images asked for on the dearest endpoint, the dearest variant of each line', () => {
    const endpoints = [{ prices: [per(0.04)] }, { prices: [per(0.03, 'image', 'output_image', '1k'), per(0.05, 'image', 'output_image', '2k'), per(0.002, 'request', 'input_text')] }];
    expect(imageWorstCost(endpoints, { count: 3, references: 0, promptTokens: 10 })).toBeCloseTo(0.152);
  });

  it('counts megapixels at the size asked for (1K when none), and input images at their largest', () => {
    const endpoints = [{ prices: [per(0.03, 'megapixel'), per(0.01, 'image', 'input_image')] }];
    expect(imageWorstCost(endpoints, { count: 2, resolution: '2K', references: 1, promptTokens: 0 })).toBeCloseTo(0.03 * 4.194304 * 2 + 0.01);
    expect(imageWorstCost([{ prices: [per(0.03, 'megapixel')] }], { count: 1, references: 0, promptTokens: 0 })).toBeCloseTo(0.03 * 1.048576);
    expect(imageWorstCost([{ prices: [per(1e-6, 'token', 'input_text')] }], { count: 1, references: 0, promptTokens: 1000 })).toBeCloseTo(0.001);
  });

  it('knows nothing without prices, or with a unit it can’t bound', () => {
    expect(imageWorstCost([], { count: 1, references: 0, promptTokens: 0 })).toBeUndefined();
    expect(imageWorstCost([{ prices: [per(0.1, 'second')] }], { count: 1, references: 0, promptTokens: 0 })).toBeUndefined();
  });
});
