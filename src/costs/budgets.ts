import type { Budgets } from '../config.js';
import { memberCounter, serverDayCounter, serverMonthCounter, userCounter, type CounterKey, type LimitedCounter, type Totals } from './ledger.js';
import { formatUsd, toNanos, toUsd } from './money.js';
import { nextDayStart, nextMonthStart, relativeTime } from './periods.js';

export type BudgetName = 'user-daily' | 'member-daily' | 'server-daily' | 'server-monthly';

/** Where a limit was set. */
export type BudgetSource = { kind: 'env'; variable: string } | { kind: 'server' } | { kind: 'role'; roleId: string };

/** A budget that applies to a request. */
export interface Budget extends LimitedCounter {
  name: BudgetName;
  /** When the counter starts again from zero. */
  resetsAt: number;
  source: BudgetSource;
}

/** What a server set with `/settings` (US dollars; undefined: not set). */
export interface ServerBudgets {
  userDaily: number | undefined;
  serverDaily: number | undefined;
  serverMonthly: number | undefined;
  /** Daily user budgets of the asker's roles that have one. */
  roles: ReadonlyMap<string, number>;
}

export const NO_SERVER_BUDGETS: ServerBudgets = { userDaily: undefined, serverDaily: undefined, serverMonthly: undefined, roles: new Map() };

export interface BudgetPlace {
  userId: string;
  guildId: string | null;
  channelId: string;
}

/** The stricter of two limits on one counter. */
function stricter(env: { value: number | undefined; variable: string }, server: number | undefined): { usd: number; source: BudgetSource } | undefined {
  if (env.value === undefined && server === undefined) return undefined;
  if (server === undefined || (env.value !== undefined && env.value <= server)) return { usd: env.value!, source: { kind: 'env', variable: env.variable } };
  return { usd: server, source: { kind: 'server' } };
}

/**
 * The budgets a request must fit, each on its own counter:
 * - the operator's per-user budget (BUDGET_USER_DAILY_USD), on the user's spending everywhere;
 * - the server's per-user budget (`budget_user_daily`, or the most generous of the asker's role
 *   budgets, which replace it), on the user's spending in that server;
 * - the server's daily and monthly budgets, where the operator's (BUDGET_SERVER_*_USD) and the
 *   server's own both apply and the stricter one wins.
 */
export function budgetsFor(place: BudgetPlace, env: Budgets, server: ServerBudgets, at: number): Budget[] {
  const out: Budget[] = [];
  const day = nextDayStart(at);
  if (env.userDaily !== undefined) {
    out.push({ name: 'user-daily', key: userCounter(place, at), limit: toNanos(env.userDaily), resetsAt: day, source: { kind: 'env', variable: 'BUDGET_USER_DAILY_USD' } });
  }
  if (!place.guildId) return out;
  const roles = [...server.roles.entries()].sort((a, b) => b[1] - a[1]);
  const member: { usd: number; source: BudgetSource } | undefined = roles.length
    ? { usd: roles[0]![1], source: { kind: 'role', roleId: roles[0]![0] } }
    : server.userDaily === undefined
      ? undefined
      : { usd: server.userDaily, source: { kind: 'server' } };
  if (member) out.push({ name: 'member-daily', key: memberCounter(place.guildId, place.userId, at), limit: toNanos(member.usd), resetsAt: day, source: member.source });
  const daily = stricter({ value: env.serverDaily, variable: 'BUDGET_SERVER_DAILY_USD' }, server.serverDaily);
  if (daily) out.push({ name: 'server-daily', key: serverDayCounter(place.guildId, at), limit: toNanos(daily.usd), resetsAt: day, source: daily.source });
  const monthly = stricter({ value: env.serverMonthly, variable: 'BUDGET_SERVER_MONTHLY_USD' }, server.serverMonthly);
  if (monthly) {
    out.push({ name: 'server-monthly', key: serverMonthCounter(place.guildId, at), limit: toNanos(monthly.usd), resetsAt: nextMonthStart(at), source: monthly.source });
  }
  return out;
}

const usd = (nanos: number) => formatUsd(toUsd(nanos));

/** Who a budget belongs to, as a sentence's subject and possessive. */
function owner(budget: Budget): { who: string; whose: string; where: string } {
  switch (budget.name) {
    case 'user-daily':
      return { who: 'You’ve', whose: 'your', where: '' };
    case 'member-daily':
      return { who: 'You’ve', whose: 'your', where: budget.source.kind === 'role' ? ` in this server (the <@&${budget.source.roleId}> budget)` : ' in this server' };
    default:
      return { who: 'This server has', whose: 'its', where: '' };
  }
}

/** The refusal a user sees: which budget, how much is used, and when it resets. */
export function explainBudget(budget: Budget, totals: Totals): string {
  const { who, whose, where } = owner(budget);
  const period = budget.name === 'server-monthly' ? 'monthly' : 'daily';
  const running = budget.limit > totals.cost && totals.reserved > 0 ? `, and answers still running may use the rest` : '';
  return `💸 ${who} used ${usd(totals.cost)} of ${whose} ${usd(budget.limit)} ${period} budget${where}${running}. It resets ${relativeTime(budget.resetsAt)}.`;
}

/** A budget's line in `/usage`: used, left, and when it resets. */
export function describeBudget(budget: Budget, totals: Totals): string {
  const { whose, where } = owner(budget);
  const label = `${whose === 'your' ? 'Your' : 'The server’s'} ${budget.name === 'server-monthly' ? 'monthly' : 'daily'} budget${budget.name === 'user-daily' ? ' (everywhere)' : where}`;
  const left = Math.max(0, budget.limit - totals.cost);
  return `${label}: ${usd(totals.cost)} of ${usd(budget.limit)} used, ${usd(left)} left · resets ${relativeTime(budget.resetsAt)}`;
}

export const budgetKeys = (budgets: readonly Budget[]): CounterKey[] => budgets.map((b) => b.key);
