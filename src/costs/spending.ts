import type { OpenRouter } from '@openrouter/sdk';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { lookUpGeneration } from '../openrouter/generation.js';
import type { KeyWatch } from '../openrouter/key-watch.js';
import type { ModelCatalog } from '../openrouter/models.js';
import type { Billed, Precondition, RequestFacts, Verdict } from '../preconditions.js';
import type { SettingsStore } from '../settings/store.js';
import { budgetsFor, explainBudget, NO_SERVER_BUDGETS } from './budgets.js';
import { costAt } from './estimate.js';
import type { Ledger, Reservation, SpendRecord } from './ledger.js';
import { toNanos, toNanosUp, toUsd } from './money.js';

export interface SpendingServices {
  config: Config;
  logger: Logger;
  openrouter: OpenRouter;
  catalog: ModelCatalog;
  settings: SettingsStore;
  ledger: Ledger;
  keyWatch: KeyWatch;
  /** Pauses between `/generation` look-ups. */
  wait: (ms: number) => Promise<void>;
}

/**
 * The budgets as a precondition. Admitting a request reserves its worst cost on every budget that
 * applies (atomically, so concurrent requests, on any process, see each other's); a budget with
 * no room left refuses it before anything is sent. When it ends, the reservation is settled to
 * what OpenRouter billed and the cost goes into the ledger.
 */
export function budgets(services: SpendingServices): Precondition {
  return {
    async check(facts: RequestFacts): Promise<Verdict> {
      const server = facts.guildId ? await services.settings.serverBudgets(facts.guildId, facts.roleIds) : NO_SERVER_BUDGETS;
      const applying = budgetsFor(facts, services.config.budgets, server, facts.at);
      const reserved = await services.ledger.reserve(applying, toNanosUp(facts.worstCost ?? 0));
      if (!reserved.ok) {
        const budget = applying[reserved.index]!;
        return {
          ok: false,
          message: explainBudget(budget, reserved.totals),
          log: 'request refused by a budget',
          details: { user: facts.userId, channel: facts.channelId, reason: 'budget', budget: budget.name, usedUsd: toUsd(reserved.totals.cost), limitUsd: toUsd(budget.limit) },
        };
      }
      return { ok: true, ticket: { finish: (billed) => settle(services, facts, reserved.reservation, billed) } };
    },
  };
}

/** Records what a request cost and releases its reservation; a failure is logged, never thrown at the user. */
async function settle(services: SpendingServices, facts: RequestFacts, reservation: Reservation, billed: readonly Billed[]): Promise<void> {
  try {
    const records = await Promise.all(billed.map((b) => recordOf(services, facts, b)));
    await services.ledger.settle(records, reservation);
    services.keyWatch.noteSpend(toUsd(records.reduce((sum, r) => sum + r.cost, 0)));
    for (const record of records) {
      services.logger.debug({ user: record.userId, channel: record.channelId, kind: record.kind, model: record.model, costUsd: toUsd(record.cost), estimated: record.estimated, generation: record.generationId }, 'cost recorded');
      if (record.estimated) services.logger.warn({ generation: record.generationId, model: record.model, costUsd: toUsd(record.cost) }, 'OpenRouter never reported this request’s cost: recorded an estimate');
    }
  } catch (err) {
    services.logger.error({ err, user: facts.userId, channel: facts.channelId }, 'could not record a request’s cost');
  }
}

/** One upstream request's real cost: from its usage, else from `/generation`, else estimated. */
async function recordOf(services: SpendingServices, facts: RequestFacts, billed: Billed): Promise<SpendRecord> {
  const base = { at: facts.at, userId: facts.userId, guildId: facts.guildId, channelId: facts.channelId, model: billed.model, kind: facts.kind, generationId: billed.generationId };
  const { usage } = billed;
  if (usage?.cost !== undefined) {
    return { ...base, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, cost: toNanos(usage.cost), estimated: false };
  }
  const looked = billed.generationId ? await lookUpGeneration(services.openrouter, billed.generationId, services.wait) : undefined;
  if (looked) return { ...base, promptTokens: looked.promptTokens, completionTokens: looked.completionTokens, cost: toNanos(looked.cost), estimated: false };
  const tokens = usage ? { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens } : billed.estimate;
  const pricing = billed.estimateUsd === undefined ? (await services.catalog.get(billed.model))?.pricing : undefined;
  const usd = billed.estimateUsd ?? (pricing ? costAt(pricing, tokens) : 0);
  return { ...base, ...tokens, cost: toNanos(usd), estimated: true };
}
