import { formatCost } from '../conversation/footer.js';

/**
 * Money is counted in whole nano-dollars (1e-9 USD) wherever it is added up: counters stay exact
 * integers on both backends, so a total is the sum of its parts to the last digit. OpenRouter's
 * costs carry no more precision than that.
 */
export type Nanos = number;

export const NANOS_PER_USD = 1_000_000_000;

export function toNanos(usd: number): Nanos {
  return Math.round(usd * NANOS_PER_USD);
}

/** Rounded up: a reservation must never be smaller than the cost it stands for. */
export function toNanosUp(usd: number): Nanos {
  return Math.ceil(usd * NANOS_PER_USD - 1e-6);
}

export function toUsd(nanos: Nanos): number {
  return nanos / NANOS_PER_USD;
}

/** Whole cents as cents ($0.05, $12.00); anything finer as the footer shows costs. */
export function formatUsd(usd: number): string {
  const cents = usd * 100;
  return Math.abs(cents - Math.round(cents)) < 1e-6 ? `$${usd.toFixed(2)}` : formatCost(usd);
}
