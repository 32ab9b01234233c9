import { formatCost } from '../conversation/footer.js';
import type { ModelTotals, Totals } from './ledger.js';
import { toUsd } from './money.js';
import type { UsagePeriod } from './periods.js';

export interface UsageSummary {
  requests: number;
  tokens: number;
  /** Nano-dollars. */
  cost: number;
  estimated: number;
  /** Most expensive first. */
  models: [string, ModelTotals][];
  perDay: { day: string; usd: number }[];
}

/** Adds up a period's daily totals (one per day, oldest first). */
export function summarize(days: readonly string[], totals: readonly Totals[]): UsageSummary {
  const models = new Map<string, ModelTotals>();
  let requests = 0;
  let tokens = 0;
  let cost = 0;
  let estimated = 0;
  for (const t of totals) {
    requests += t.requests;
    tokens += t.promptTokens + t.completionTokens;
    cost += t.cost;
    estimated += t.estimated;
    for (const [id, m] of t.models) {
      const sum = models.get(id) ?? { requests: 0, tokens: 0, cost: 0 };
      models.set(id, { requests: sum.requests + m.requests, tokens: sum.tokens + m.tokens, cost: sum.cost + m.cost });
    }
  }
  return {
    requests,
    tokens,
    cost,
    estimated,
    models: [...models].sort((a, b) => b[1].cost - a[1].cost || b[1].requests - a[1].requests),
    perDay: days.map((day, i) => ({ day, usd: toUsd(totals[i]?.cost ?? 0) })),
  };
}

export const PERIOD_NAMES: Record<UsagePeriod, string> = { today: 'today', '7d': 'the last 7 days', '30d': 'the last 30 days', month: 'this month' };

const TOP_MODELS = 5;
const count = (n: number, one: string) => `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;

/** `/usage`'s text: whose, the totals (costs shown like the footers), the top models, the budget lines. */
export function formatUsage(subject: string, period: UsagePeriod, summary: UsageSummary, budgetLines: readonly string[]): string {
  const estimated = summary.estimated ? ` (${summary.estimated} estimated: OpenRouter never reported ${summary.estimated === 1 ? 'its' : 'their'} cost)` : '';
  const lines = [
    `**Usage · ${subject} · ${PERIOD_NAMES[period]}** (UTC days)`,
    `${count(summary.requests, 'request')} · ${count(summary.tokens, 'token')} · ${formatCost(toUsd(summary.cost))}${estimated}`,
  ];
  if (summary.models.length) {
    const top = summary.models.slice(0, TOP_MODELS).map(([id, m]) => `\`${id}\` ${formatCost(toUsd(m.cost))} (${count(m.requests, 'request')})`);
    lines.push(`Top models: ${top.join(' · ')}${summary.models.length > TOP_MODELS ? ` · and ${summary.models.length - TOP_MODELS} more` : ''}`);
  }
  lines.push(...budgetLines);
  return lines.join('\n');
}
