import type { Usage } from './openrouter/stream.js';
import type { SpendKind } from './costs/ledger.js';

/** What the checks before a request need to know about it. */
export interface RequestFacts {
  userId: string;
  guildId: string | null;
  channelId: string;
  roleIds: readonly string[];
  kind: SpendKind;
  model: string;
  /** The most it can cost (US dollars); undefined when the model's price is unknown. */
  worstCost: number | undefined;
  /** When it was asked (the clock's time). */
  at: number;
}

/**
 * What one request to OpenRouter brought back: enough to tell what it cost. A turn ends with one
 * per request it sent (an /imagine on a chat model sends one per image).
 */
export interface Billed {
  model: string;
  usage: Usage | undefined;
  generationId: string | undefined;
  /** The bot's own count of what it sent and got, for when OpenRouter never says. */
  estimate: { promptTokens: number; completionTokens: number };
  /**
   * What it cost at the model's prices, for when OpenRouter never says and no token price applies:
   * an Image API generation (its answer has no id to look up), at its dearest endpoint's prices.
   */
  estimateUsd?: number | undefined;
}

/** Held while a request runs; finished with what it was billed for (nothing: it never reached OpenRouter). */
export interface Ticket {
  finish(billed: readonly Billed[]): Promise<void>;
}

export type Verdict = { ok: true; ticket?: Ticket } | Refusal;

export interface Refusal {
  ok: false;
  /** Shown to the user as is. */
  message: string;
  /** The log line's message, and what it adds. */
  log: string;
  details: Record<string, unknown>;
}

/**
 * One check every request goes through before anything is spent (in the spirit of Sapphire's
 * preconditions): the key's limit, the user limits, the budgets. A check that admits may hold
 * something until the request ends (a concurrency slot, a budget reservation).
 */
export interface Precondition {
  check(facts: RequestFacts): Verdict | Promise<Verdict>;
}

export type Admission = { ok: true; finish: (billed: readonly Billed[]) => Promise<void> } | Refusal;

/** Runs the checks in order; the first refusal wins and gives back what the earlier ones hold. */
export async function admit(preconditions: readonly Precondition[], facts: RequestFacts): Promise<Admission> {
  const tickets: Ticket[] = [];
  const finish = async (billed: readonly Billed[]) => {
    await Promise.all(tickets.map((t) => t.finish(billed)));
  };
  for (const precondition of preconditions) {
    let verdict: Verdict;
    try {
      verdict = await precondition.check(facts);
    } catch (error) {
      await finish([]);
      throw error;
    }
    if (!verdict.ok) {
      await finish([]);
      return verdict;
    }
    if (verdict.ticket) tickets.push(verdict.ticket);
  }
  return { ok: true, finish };
}
