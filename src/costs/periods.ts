/** UTC days and months: budgets reset, and totals are kept, by these. */

const DAY_MS = 86_400_000;

/** Totals are kept this long after their day (or month) ends: the issue asks for at least 90 days. */
export const RETENTION_DAYS = 100;

export type UsagePeriod = 'today' | '7d' | '30d' | 'month';
export const USAGE_PERIODS: readonly UsagePeriod[] = ['today', '7d', '30d', 'month'];

/** `2026-01-31` */
export function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2026-01` */
export function monthKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function nextDayStart(ms: number): number {
  return startOfDay(ms) + DAY_MS;
}

export function nextMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Next Monday 00:00 UTC: OpenRouter's weeks start on Monday. */
export function nextWeekStart(ms: number): number {
  const daysSinceMonday = (new Date(ms).getUTCDay() + 6) % 7;
  return startOfDay(ms) + (7 - daysSinceMonday) * DAY_MS;
}

/** When a counter of this day may be forgotten. */
export function dayExpiry(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) + (RETENTION_DAYS + 1) * DAY_MS;
}

/** When a counter of this month may be forgotten. */
export function monthExpiry(month: string): number {
  return nextMonthStart(Date.parse(`${month}-01T00:00:00Z`)) + RETENTION_DAYS * DAY_MS;
}

/** The days a `/usage` period covers, oldest first, today included. */
export function periodDays(period: UsagePeriod, now: number): string[] {
  const today = startOfDay(now);
  const count = period === 'today' ? 1 : period === '7d' ? 7 : period === '30d' ? 30 : new Date(now).getUTCDate();
  return Array.from({ length: count }, (_, i) => dayKey(today - (count - 1 - i) * DAY_MS));
}

/** A Discord timestamp that each reader sees in their own time zone, as "in 5 hours". */
export function relativeTime(ms: number): string {
  return `<t:${Math.floor(ms / 1000)}:R>`;
}
