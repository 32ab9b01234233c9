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
